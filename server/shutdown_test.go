package server

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
)

func TestShutdownFinishesInFlightJob(t *testing.T) {
	fake := fakeGitHub(t)
	var started atomic.Bool
	px := proxy(t, fake, func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && r.URL.Path == prPath {
			started.Store(true)
			time.Sleep(500 * time.Millisecond) // a slow GitHub
		}
		return false
	})
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(px.URL + "/api/v3"), ShutdownTimeout: 20 * time.Second})
	base, stop := serve(t, s)
	body := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
	req, _ := http.NewRequest(http.MethodPost, base+"/webhook", strings.NewReader(string(body)))
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", "slow-1")
	req.Header.Set("X-Hub-Signature-256", sign(webhookSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	for !started.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	st := fake.Statuses()
	if len(st) != 1 || st[0].State == github.StateError {
		t.Fatalf("statuses after shutdown %+v: want the in-flight job's decision published", st)
	}
	if resp, err := http.Get(base + "/healthz"); err == nil {
		_ = resp.Body.Close()
		t.Error("server still accepting after shutdown")
	}
}

func TestShutdownBoundCancelsJobs(t *testing.T) {
	fake := fakeGitHub(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	px := proxy(t, fake, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && r.URL.Path == prPath {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return false
	})
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(px.URL + "/api/v3"),
		ShutdownTimeout: 100 * time.Millisecond, MaxAttempts: 1})
	_, stop := serve(t, s)
	if code, _ := deliver(t, s.Handler(), "pull_request", "stuck", payload(t, "../testdata/github/webhooks/pull_request_opened.json")); code != http.StatusAccepted {
		t.Fatalf("webhook: %d", code)
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("shutdown with a stuck job: %v, want the bound named", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s, want about the 100ms bound", d)
	}
}
