package server

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// TestWebhookEventMustMatchPayload: X-GitHub-Event is outside the HMAC, so
// a signed body replayed under another event name must not be routed as
// that event (a review payload deciding as a PR event, a PR payload
// reloading the bundle as a push, a PR payload taken for a merge group):
// a mismatch is 400. Each payload is accepted under its own event.
func TestWebhookEventMustMatchPayload(t *testing.T) {
	prOpened := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
	prEdited := bytes.Replace(prOpened, []byte(`"action": "opened"`), []byte(`"action": "edited"`), 1)
	if bytes.Equal(prEdited, prOpened) {
		t.Fatal("fixture has no opened action to replace")
	}
	review := payload(t, "../testdata/github/webhooks/pull_request_review_submitted.json")
	push := payload(t, "../testdata/github/webhooks/push.json")
	mergeGroup := []byte(`{"action":"checks_requested","merge_group":{"head_sha":"` + headSHA + `","head_ref":"refs/heads/gh-readonly-queue/master/pr-2-` + headSHA + `","base_ref":"refs/heads/master"},"repository":{"full_name":"Codertocat/Hello-World"}}`)
	checkRun := []byte(`{"action":"rerequested","check_run":{"head_sha":"` + headSHA + `","pull_requests":[{"number":2,"base":{"repo":{"url":"https://api.github.com/repos/Codertocat/Hello-World"}}}]},"repository":{"full_name":"Codertocat/Hello-World"}}`)
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor("http://127.0.0.1:1"), PolicyRepo: "Codertocat/Hello-World"})
	h := s.Handler()
	for i, tc := range []struct {
		name, event string
		body        []byte
	}{
		{"review as pull_request", "pull_request", review},
		{"pull_request (edited) as review", "pull_request_review", prEdited},
		{"pull_request as push", "push", prOpened},
		{"push as pull_request", "pull_request", push},
		{"pull_request as merge_group", "merge_group", prOpened},
		{"merge_group as pull_request", "pull_request", mergeGroup},
		{"check_run as pull_request_review", "pull_request_review", checkRun},
		{"pull_request as check_run", "check_run", prOpened},
	} {
		if code, result := deliver(t, h, tc.event, fmt.Sprintf("mismatch-%d", i), tc.body); code != http.StatusBadRequest || result != resultBadPayload {
			t.Errorf("%s: %d %q, want 400 %s", tc.name, code, result, resultBadPayload)
		}
	}
	for i, tc := range []struct {
		event string
		body  []byte
	}{{"pull_request", prOpened}, {"pull_request_review", review}, {"push", push}, {"check_run", checkRun}} {
		if code, result := deliver(t, h, tc.event, fmt.Sprintf("match-%d", i), tc.body); code != http.StatusAccepted || result != resultQueued {
			t.Errorf("%s under its own event: %d %q, want 202 %s", tc.event, code, result, resultQueued)
		}
	}
}
