package server

import (
	"net/http"
	"testing"

	"github.com/gov-policy/gov/github"
)

// a13Deliver posts a signed delivery to h.
func a13Deliver(t *testing.T, h http.Handler, event, id string, body []byte) (int, string) {
	t.Helper()
	code, out := call(t, h, http.MethodPost, "/webhook", map[string]string{
		"X-GitHub-Event": event, "X-GitHub-Delivery": id, "X-Hub-Signature-256": sign(webhookSecret, body),
		"Content-Type": "application/json",
	}, body)
	return code, string(out)
}

var a13Push = []byte(`{"ref":"refs/heads/main","repository":{"full_name":"acme/policy"}}`)

// A delivery replayed to a restarted server (or another replica) is queued
// again: the delivery memory lives only in the process.
func TestAttackA13WebhookReplayAfterRestart(t *testing.T) {
	cfg := Config{WebhookSecret: webhookSecret, PolicyRepo: "acme/policy", AuditDir: t.TempDir()}
	first := newTestServer(t, cfg)
	if code, out := a13Deliver(t, first.Handler(), "push", "d-a13-1", a13Push); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", code, out)
	}
	restarted := newTestServer(t, cfg)
	code, out := a13Deliver(t, restarted.Handler(), "push", "d-a13-1", a13Push)
	if code == http.StatusAccepted {
		t.Errorf("replayed delivery after a restart was accepted again: %d %s", code, out)
	}
}

// X-GitHub-Delivery is not covered by the signature: the same signed body
// under a fresh delivery id is queued again (replay detection bypassed).
func TestAttackA13WebhookReplayWithNewDeliveryID(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, PolicyRepo: "acme/policy"})
	if code, out := a13Deliver(t, s.Handler(), "push", "d-a13-1", a13Push); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", code, out)
	}
	code, out := a13Deliver(t, s.Handler(), "push", "d-a13-2", a13Push)
	if code == http.StatusAccepted {
		t.Errorf("the same signed body under another delivery id was accepted again: %d %s", code, out)
	}
}

// Guard: the same delivery id twice to one server is a duplicate.
func TestAttackA13WebhookReplaySameIDHeld(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, PolicyRepo: "acme/policy"})
	a13Deliver(t, s.Handler(), "push", "d-a13-1", a13Push)
	code, out := a13Deliver(t, s.Handler(), "push", "d-a13-1", a13Push)
	if code == http.StatusAccepted {
		t.Errorf("same delivery id accepted twice: %d %s", code, out)
	}
}

// Names from a check_run payload are used unvalidated: a head_sha that is a
// path and a negative PR number become a queued PR job.
func TestAttackA13WebhookCheckRunNamesUnvalidated(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: &github.Options{Token: "x", MaxWait: -1}})
	for name, body := range map[string]string{
		"head_sha path":    `{"action":"rerequested","repository":{"full_name":"acme/app"},"check_run":{"head_sha":"../../../../orgs/acme/hooks","pull_requests":[{"number":2}]}}`,
		"negative number":  `{"action":"rerequested","repository":{"full_name":"acme/app"},"check_run":{"head_sha":"ec26c3e57ca3a959ca5aad62de7213c562f8c821","pull_requests":[{"number":-7}]}}`,
		"pr head_sha path": `{"action":"opened","number":2,"repository":{"full_name":"acme/app"},"pull_request":{"number":2,"head":{"sha":"../../../../orgs/acme/hooks"},"base":{"ref":"main"}}}`,
	} {
		event := "check_run"
		if name == "pr head_sha path" {
			event = "pull_request"
		}
		j, detail, herr := s.route(event, []byte(body), "d-"+name)
		if herr == nil || herr.status/100 != 4 {
			t.Errorf("%s: routed without a 4xx (job %v, detail %q)", name, j != nil, detail)
		}
	}
}

// A signed workflow_dispatch delivery of the policy repository (it has a
// top-level ref and no ref_type) replayed under X-GitHub-Event: push passes
// the event/payload shape check and queues a bundle reload.
func TestAttackA13WebhookWorkflowDispatchAsPush(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, PolicyRepo: "acme/policy"})
	dispatch := []byte(`{"inputs":{},"ref":"refs/heads/main","repository":{"full_name":"acme/policy"},"sender":{"login":"x"},"workflow":".github/workflows/ci.yml"}`)
	code, out := a13Deliver(t, s.Handler(), "push", "d-a13-wd", dispatch)
	if code != http.StatusBadRequest {
		t.Errorf("a workflow_dispatch payload delivered as push: %d %s, want 400", code, out)
	}
	// Guard: a push payload of the policy repository still reloads.
	if code, out := a13Deliver(t, s.Handler(), "push", "d-a13-push", a13Push); code != http.StatusAccepted {
		t.Errorf("push: %d %s, want 202", code, out)
	}
}
