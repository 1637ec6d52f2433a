package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/gittest"
)

// TestReloadRefusesRevisionDroppingAuditDir: a server started without
// --audit-dir records into its bundle's audit.dir; a revision without
// audit.dir would silently stop the recording. It is refused like any bad
// revision: the old one keeps serving (and recording), the error is logged,
// counted and shown in /readyz.
func TestReloadRefusesRevisionDroppingAuditDir(t *testing.T) {
	audit := t.TempDir()
	repo := gittest.New(t)
	files := policyVersion("v1 by")
	files["gov.cue"] = fmt.Sprintf("audit: dir: %q\n", audit)
	v1 := repo.Commit("policy", files)
	s := newTestServer(t, Config{Bundle: repo.Dir + "@master"})
	h := s.Handler()
	evalMessage(t, h)
	repo.Commit("drop the audit directory", map[string]string{"gov.cue": "enforcement: \"strict\"\n"})
	err := s.Reload(t.Context())
	if err == nil || !strings.Contains(err.Error(), "audit.dir") {
		t.Fatalf("reload of a revision without audit.dir: %v, want it refused naming audit.dir", err)
	}
	if msg := evalMessage(t, h); !strings.Contains(msg, "v1 by bot") {
		t.Errorf("not decided by v1 after the refused reload: %s", msg)
	}
	n := 0
	if _, err := (evidence.Store{Dir: audit}).Walk(time.Time{}, func(evidence.Entry, evidence.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d records in audit.dir, want both decisions recorded", n)
	}
	code, out := call(t, h, http.MethodGet, "/readyz", nil, nil)
	var st map[string]any
	_ = json.Unmarshal(out, &st)
	if code != http.StatusOK || st["status"] != "stale" || st["revision"] != v1 || !strings.Contains(fmt.Sprint(st["last_reload_error"]), "audit.dir") {
		t.Errorf("/readyz: %d %s; want 200, stale, v1 and the reload error", code, out)
	}
	if !hasMetric(metricsText(t, h), `gov_bundle_reload_errors_total 1`) {
		t.Error("the refused reload is not counted")
	}
}

// TestReloadKeepsExplicitAuditDir: with --audit-dir the bundle's audit.dir
// does not matter, so a revision without it is swapped in.
func TestReloadKeepsExplicitAuditDir(t *testing.T) {
	repo := gittest.New(t)
	files := policyVersion("v1 by")
	files["gov.cue"] = fmt.Sprintf("audit: dir: %q\n", t.TempDir())
	repo.Commit("policy", files)
	s := newTestServer(t, Config{Bundle: repo.Dir + "@master", AuditDir: t.TempDir()})
	v2 := repo.Commit("drop the audit directory", map[string]string{"gov.cue": "enforcement: \"strict\"\n"})
	if err := s.Reload(t.Context()); err != nil || s.Bundle().Revision != v2 {
		t.Errorf("reload with --audit-dir: %v, revision %s; want v2 %s", err, s.Bundle().Revision, v2)
	}
}
