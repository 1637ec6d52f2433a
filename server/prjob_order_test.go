package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/gittest"
)

// markerPolicy denies a change that adds a line holding DENYME, so that two
// heads of one PR get told apart by their verdict.
const markerPolicy = `package gov.custom.marker

deny contains msg if {
	some f in input.patch.files
	some l in f.added
	contains(l.text, "DENYME")
	msg := "marker found"
}
`

const (
	headB = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
	diffB = "diff --git a/notes.txt b/notes.txt\n--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1 @@\n-old\n+DENYME\n"
)

// markerBundle is a bundle directory with the marker policy.
func markerBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/marker.rego": markerPolicy})
	return dir
}

// synchronize is a signed-ready pull_request synchronize payload of PR #2 at head.
func synchronize(t *testing.T, head string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload(t, "../testdata/github/webhooks/pull_request_synchronize.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = head
	return mustJSON(t, m)
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// TestServeOlderJobNeverOverwritesNewerHead: the job of head A has read and
// decided A (allowed) when B is pushed (denied) and B's synchronize
// delivery arrives. However the two jobs interleave, the PR's decision
// comment must end as B's verdict: A's job may not publish after B's.
func TestServeOlderJobNeverOverwritesNewerHead(t *testing.T) {
	fake := fakeGitHub(t)
	s := newTestServer(t, Config{Bundle: markerBundle(t), WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL),
		Workers: 4, MaxAttempts: 3, RetryBase: time.Millisecond})
	base, _ := serve(t, s)
	var gets atomic.Int32
	var hooked atomic.Bool
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method != "GET" || r.Path != prPath || strings.Contains(r.Accept, "diff") {
			return
		}
		// A's third read of the PR: after the evaluation re-read it, before
		// anything is posted.
		if gets.Add(1) != 3 || !hooked.CompareAndSwap(false, true) {
			return
		}
		author := githubtest.User{Login: "Codertocat", ID: 21031067}
		fake.Push(2, githubtest.Commit{SHA: headB, Author: &author, Committer: &author}, diffB)
		go postWebhook(t, base, "pull_request", "d-B", synchronize(t, headB))
		waitFor(3*time.Second, func() bool { return len(fake.Comments(2)) > 0 || s.prs.waiting(keyOf(fakeRepo, 2)) > 0 })
	})
	postWebhook(t, base, "pull_request", "d-A", synchronize(t, headSHA))
	if !waitFor(10*time.Second, func() bool {
		st := fake.Statuses()
		return len(st) > 0 && st[len(st)-1].SHA == headB && len(fake.Comments(2)) == 1 && s.prs.idle()
	}) {
		t.Fatalf("head B was never published: statuses %+v", fake.Statuses())
	}
	time.Sleep(50 * time.Millisecond)
	cs := fake.Comments(2)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "denied") {
		t.Errorf("decision comment after both jobs: %+v; want head B's (denied)", cs)
	}
	if st := fake.Statuses(); st[len(st)-1].SHA != headB {
		t.Errorf("the last status is not head B's: %+v", st)
	}
}

// postWebhook delivers a signed webhook to a serving server.
func postWebhook(t *testing.T, base, event, id string, body []byte) {
	code, out := postSigned(base, event, id, body)
	if code != 202 {
		t.Errorf("webhook %s: %d %s", id, code, out)
	}
}

func postSigned(base, event, id string, body []byte) (int, string) {
	req, err := http.NewRequest(http.MethodPost, base+"/webhook", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", sign(webhookSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var r struct{ Result, Detail string }
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, fmt.Sprint(r)
}

// fakeRepo is the repository fakeGitHub serves.
var fakeRepo = github.Repo{Owner: "Codertocat", Name: "Hello-World"}
