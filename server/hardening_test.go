package server

import (
	"bytes"
	"net/http"
	"testing"
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
