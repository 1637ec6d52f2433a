package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWebhookRefusesPathInRepoName: a signed payload whose
// repository.full_name is "../x" is refused (400), never queued: it would
// have become GET /x/pulls/2.
func TestWebhookRefusesPathInRepoName(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor("http://127.0.0.1:1")})
	body := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
	evil := bytes.Replace(body, []byte(`"full_name": "Codertocat/Hello-World"`), []byte(`"full_name": "../x"`), -1)
	if bytes.Equal(evil, body) {
		t.Fatal("the payload has no repository.full_name to replace")
	}
	code, result := deliver(t, s.Handler(), "pull_request", "evil-1", evil)
	if code != http.StatusBadRequest || result != resultBadPayload {
		t.Fatalf("got %d %q, want 400 %q", code, result, resultBadPayload)
	}
	if d := s.queue.depth(); d != 0 {
		t.Errorf("%d jobs queued, want none", d)
	}
}

// zeros is an endless body that allocates nothing.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestWebhookBoundsUnverifiedBytes: 64 concurrent 10 MB posts with a
// well-formed but wrong signature cannot make the server hold more than
// its UnverifiedBytes budget (40 MiB by default): the heap grows by far
// less than the 640 MB sent, each post is refused (401 or 503), and the
// server still answers. Before the budget the heap grew by the whole 640 MB.
func TestWebhookBoundsUnverifiedBytes(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor("http://127.0.0.1:1")})
	base, _ := serve(t, s)
	const posts, size = 64, 10 << 20
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	codes := make(chan int, posts)
	badSig := "sha256=" + strings.Repeat("00", 32)
	for i := range posts {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, base+"/webhook", io.LimitReader(zeros{}, size))
			req.ContentLength = size
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set("X-GitHub-Delivery", fmt.Sprint("flood-", i))
			req.Header.Set("X-Hub-Signature-256", badSig)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes <- 0 // the server closed the connection without reading it all
				return
			}
			_ = resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(codes)
	seen := map[int]int{}
	for c := range codes {
		seen[c]++
	}
	grew := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("64 x 10 MB unverified posts: heap in use grew by %d MiB at peak; answers %v", grew>>20, seen)
	if seen[http.StatusAccepted] > 0 || seen[http.StatusOK] > 0 {
		t.Errorf("a post with a wrong signature was accepted: %v", seen)
	}
	if grew > 160<<20 {
		t.Errorf("heap grew by %d MiB: the unverified bytes are not bounded (budget %d MiB)", grew>>20, s.cfg.UnverifiedBytes>>20)
	}
	if code, _ := call(t, s.Handler(), http.MethodGet, "/healthz", nil, nil); code != http.StatusOK {
		t.Errorf("/healthz after the flood: %d", code)
	}
}
