package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/gittest"
)

// TestWebhookRefusesPathInRepoName: a signed payload whose
// repository.full_name is "../x" is refused (400), never queued: it would
// have become GET /x/pulls/2.
func TestWebhookRefusesPathInRepoName(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor("http://127.0.0.1:1")})
	body := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
	evil := bytes.ReplaceAll(body, []byte(`"full_name": "Codertocat/Hello-World"`), []byte(`"full_name": "../x"`))
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

// conflictPolicy compiles but fails at evaluation: a complete rule with
// conflicting values.
const conflictPolicy = `package gov.custom.requester

f(_) := 1

f(_) := 2

warn contains "never" if f(1) == 3
`

// TestReloadRefusesRevisionThatCannotDecide: a revision that compiles but
// fails at evaluation, or whose own cases/ fail, is refused; the old one
// keeps serving, the error is logged and counted, and /readyz says
// "stale" with the error while staying in rotation.
func TestReloadRefusesRevisionThatCannotDecide(t *testing.T) {
	failingCase := map[string]string{
		"policies/requester.rego": requesterPolicy,
		"cases/allow.yaml":        "name: allowed\nrequest: {environment: staging}\npatch: |\n  --- a/x\n  +++ b/x\n  @@ -1 +1 @@\n  -a\n  +b\nexpect: {decision: deny}\n",
	}
	for name, files := range map[string]map[string]string{
		"conflicting values": {"policies/requester.rego": conflictPolicy},
		"failing case":       failingCase,
	} {
		t.Run(name, func(t *testing.T) {
			repo := gittest.New(t)
			v1 := repo.Commit("policy", policyVersion("v1 by"))
			s := newTestServer(t, Config{Bundle: repo.Dir + "@master"})
			h := s.Handler()
			repo.Commit("policy", files)
			err := s.Reload(t.Context())
			if err == nil {
				t.Fatal("the revision was swapped in")
			}
			if msg := evalMessage(t, h); !strings.Contains(msg, "v1 by bot") {
				t.Errorf("not decided by v1 after the refused reload: %s", msg)
			}
			code, out := call(t, h, http.MethodGet, "/readyz", nil, nil)
			var st map[string]any
			_ = json.Unmarshal(out, &st)
			if code != http.StatusOK || st["status"] != "stale" || st["revision"] != v1 || st["last_reload_error"] == "" {
				t.Errorf("/readyz: %d %s; want 200, stale, v1 and the reload error", code, out)
			}
			if !hasMetric(metricsText(t, h), `gov_bundle_reload_errors_total 1`) {
				t.Error("the refused reload is not counted")
			}
		})
	}
}
