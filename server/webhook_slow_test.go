package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWebhookSlowUnverifiedBodyIsCut: a client that sends a signed-looking
// webhook body a byte at a time holds its share of the unverified-bytes
// budget only for UnverifiedBodyTimeout, not until the 30 s read timeout:
// it is answered 408 and the budget is whole again.
func TestWebhookSlowUnverifiedBodyIsCut(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, UnverifiedBodyTimeout: 300 * time.Millisecond})
	base, _ := serve(t, s)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	const size = 1 << 20
	_, err = fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: gov\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: slow-1\r\n"+
		"X-Hub-Signature-256: sha256=%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", strings.Repeat("ab", 32), size)
	if err != nil {
		t.Fatal(err)
	}
	stopTrickle := make(chan struct{})
	defer close(stopTrickle)
	go func() { // one byte every 50 ms: 1 MiB would take 14 hours
		for {
			select {
			case <-stopTrickle:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	answered := make(chan int, 1) // the answer's status, 0 when none came
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- 0
			return
		}
		_ = resp.Body.Close()
		answered <- resp.StatusCode
	}()
	select {
	case code := <-answered:
		if code == 0 {
			t.Fatal("the connection closed without an answer")
		}
		if code != http.StatusRequestTimeout {
			t.Errorf("slow body answered %d, want 408", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("a slow unverified body is still being read after 10 s (holding %d budget bytes)", budgetUsed(s))
	}
	deadline := time.Now().Add(5 * time.Second)
	for budgetUsed(s) != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if used := budgetUsed(s); used != 0 {
		t.Errorf("%d unverified bytes still reserved after the answer", used)
	}
}

func budgetUsed(s *Server) int64 {
	s.unverified.mu.Lock()
	defer s.unverified.mu.Unlock()
	return s.unverified.used
}
