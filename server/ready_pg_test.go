package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/pgtest"
)

// readyAndEval asks h's /readyz (status and body) and posts a staging
// evaluation with request id id to its /v1/eval (status).
func readyAndEval(t *testing.T, h http.Handler) (ready func() (int, string), eval func(id string) int) {
	ready = func() (int, string) {
		code, out := call(t, h, http.MethodGet, "/readyz", nil, nil)
		return code, string(out)
	}
	eval = func(id string) int {
		body := mustJSON(t, map[string]any{"request_id": id, "environment": "staging", "patch_content": "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"})
		code, _ := call(t, h, http.MethodPost, "/v1/eval", bearer(testToken), body)
		return code
	}
	return ready, eval
}

// TestPGReadyzFollowsDatabase: while the audit database is down /readyz
// answers 503, a decision is refused (never answered without its record)
// and a webhook is answered 503, not taken and not called a duplicate;
// once the database is back /readyz recovers by itself, without a restart
// of gov, and the refused webhook is taken when redelivered. Store write
// latency is measured.
func TestPGReadyzFollowsDatabase(t *testing.T) {
	c := pgtest.NewCluster(t)
	s := pgServer(t, c.URL(), Config{})
	h := s.Handler()
	ready, eval := readyAndEval(t, h)
	if code, out := ready(); code != http.StatusOK {
		t.Fatalf("/readyz with the database up: %d %s", code, out)
	}
	if code := eval("up-1"); code != http.StatusOK {
		t.Fatalf("/v1/eval with the database up: %d", code)
	}

	c.Stop(t)
	if code, out := ready(); code != http.StatusServiceUnavailable || !strings.Contains(out, "audit database unreachable") {
		t.Errorf("/readyz with the database down: %d %s, want 503", code, out)
	}
	if code := eval("down-1"); code == http.StatusOK {
		t.Errorf("/v1/eval with the database down answered 200 (a decision without its record)")
	}
	if code, out := a13Deliver(t, h, "push", "during-outage", pushBody(42)); code != http.StatusServiceUnavailable {
		t.Errorf("webhook with the database down: %d %s, want 503 (to be redelivered)", code, out)
	}

	c.Start(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out := ready()
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not recover after the database came back: %d %s", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := eval("up-2"); code != http.StatusOK {
		t.Errorf("/v1/eval after the database came back: %d", code)
	}
	if code, out := a13Deliver(t, h, "push", "during-outage", pushBody(42)); code != http.StatusAccepted {
		t.Errorf("redelivered webhook after the outage: %d %s, want 202", code, out)
	}
	m := metricsText(t, h)
	for _, want := range []string{
		`gov_audit_store_write_seconds_count{result="ok"} 2`,
		`gov_audit_store_write_seconds_bucket{result="ok",le="+Inf"} 2`,
	} {
		if !hasMetric(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !hasMetric(m, `gov_audit_store_write_seconds_count{result="error"}`) {
		t.Errorf("the failed write during the outage was not measured")
	}
}
