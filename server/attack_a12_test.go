package server

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/github/githubtest"
)

// labeledEvent is PR #2's labeled delivery of label at head.
func labeledEvent(t *testing.T, label, head string, n int) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload(t, "../testdata/github/webhooks/pull_request_labeled.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["label"].(map[string]any)["name"] = label
	m["label"].(map[string]any)["id"] = n // a redelivery differs from the one before
	m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = head
	return mustJSON(t, m)
}

// blockFirstPRRead holds the first read of PR #2 until the returned
// function is called (once), so that a job of the PR stays running.
func blockFirstPRRead(fake *githubtest.Server) (release func()) {
	gate := make(chan struct{})
	var once, first sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method == "GET" && r.Path == prPath {
			first.Do(func() { <-gate })
		}
	})
	return func() { once.Do(func() { close(gate) }) }
}

// TestAttackA12LabelSpamGrowsPRLine: a bot that may label its own PR adds
// and removes labels in a loop while a job of the PR runs. Every "labeled"
// delivery of the same head was kept behind the running job (a labeled
// job is never superseded by another of its head), so the line, and the
// work it runs one evaluation after the other, grows with every delivery.
// Only the newest break-glass labeling of a head needs keeping: the line
// of one PR stays at most two jobs long, whatever the bot sends.
func TestAttackA12LabelSpamGrowsPRLine(t *testing.T) {
	fake := fakeGitHub(t)
	release := blockFirstPRRead(fake)
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL), Workers: 2,
		MaxAttempts: 1, RetryBase: time.Millisecond})
	serve(t, s)
	defer release()
	mustQueue(t, s, "pull_request", "d-first", synchronize(t, headSHA))
	if !waitFor(5*time.Second, func() bool { return !s.prs.idle() }) {
		t.Fatal("the first job of the PR never started")
	}
	for i := range 40 {
		label := fmt.Sprintf("spam-%d", i)
		if i%10 == 0 {
			label = approvals.DefaultBreakGlassLabel
		}
		mustQueue(t, s, "pull_request", fmt.Sprintf("d-label-%d", i), labeledEvent(t, label, headSHA, i))
	}
	if !waitFor(5*time.Second, func() bool { return s.queue.depth() == 0 }) {
		t.Fatal("the deliveries were never taken from the queue")
	}
	if n := s.prs.waiting(keyOf(fakeRepo, 2)); n > 2 {
		t.Errorf("%d jobs of one PR wait behind its running job after 40 label deliveries of one head; want at most 2", n)
	}
	// The break-glass labeling still runs with its trigger: later labels
	// of other names do not drop it.
	s.prs.mu.Lock()
	kept := 0
	for _, w := range s.prs.lines[keyOf(fakeRepo, 2)] {
		if w.keep {
			kept++
		}
	}
	s.prs.mu.Unlock()
	if kept != 1 {
		t.Errorf("%d break-glass labeled jobs kept in the line, want 1", kept)
	}
}
