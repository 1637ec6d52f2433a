package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/gittest"
)

func policyVersion(msg string) map[string]string {
	return map[string]string{"policies/requester.rego": strings.Replace(requesterPolicy, "requested by", msg, 1)}
}

const brokenPolicy = "package gov.custom.requester\n\nwarn contains msg if {\n"

// evalMessage posts a request and returns the answer's text.
func evalMessage(t *testing.T, h http.Handler) string {
	t.Helper()
	code, out := call(t, h, http.MethodPost, "/v1/eval", bearer(testToken), []byte(`{"requested_by":"bot","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`))
	if code != http.StatusOK {
		t.Fatalf("/v1/eval: %d %s", code, out)
	}
	return string(out)
}

func TestReloadSwapsAndRefusesBadRevisions(t *testing.T) {
	repo := gittest.New(t)
	v1 := repo.Commit("policy", policyVersion("v1 by"))
	s := newTestServer(t, Config{Bundle: repo.Dir + "@master", WebhookSecret: webhookSecret, PolicyRepo: "Codertocat/Hello-World"})
	h := s.Handler()
	if got := s.Bundle().Revision; got != v1 {
		t.Fatalf("revision %s, want v1 %s", got, v1)
	}
	repo.Commit("policy", map[string]string{"policies/requester.rego": brokenPolicy})
	if err := s.Reload(t.Context()); err == nil || !strings.Contains(err.Error(), "requester.rego") {
		t.Fatalf("reload of a broken revision: %v, want an error naming the file", err)
	}
	st := s.Bundle()
	if st.Revision != v1 || st.LastError == "" || st.LastErrorAt == nil {
		t.Errorf("after a refused reload: %+v, want v1 still served and the error shown", st)
	}
	if msg := evalMessage(t, h); !strings.Contains(msg, "v1 by bot") || !strings.Contains(msg, v1) {
		t.Errorf("decision after a refused reload was not made by v1: %s", msg)
	}
	m := metricsText(t, h)
	for _, want := range []string{`gov_bundle_reload_errors_total 1`, `gov_bundle_info{revision="` + v1 + `",stale="false"} 1`} {
		if !hasMetric(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// A good v3, reloaded by a push to the policy repository while serving.
	v3 := repo.Commit("policy", policyVersion("v3 by"))
	base, _ := serve(t, s)
	body := payload(t, "../testdata/github/webhooks/push.json")
	if code, result := deliver(t, h, "push", "push-1", body); code != http.StatusAccepted || result != resultQueued {
		t.Fatalf("push: %d %q", code, result)
	}
	waitRevision(t, s, v3)
	st = s.Bundle()
	if st.LastError != "" || st.Stale {
		t.Errorf("after a good reload: %+v, want no error", st)
	}
	resp, err := http.Post(base+"/v1/eval", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("served /v1/eval without a token: %d, want 401", resp.StatusCode)
	}
	if msg := evalMessage(t, h); !strings.Contains(msg, "v3 by bot") {
		t.Errorf("decision after the swap was not made by v3: %s", msg)
	}
	m = metricsText(t, h)
	if !hasMetric(m, `gov_bundle_info{revision="`+v3+`",stale="false"} 1`) || hasMetric(m, `gov_bundle_info{revision="`+v1) {
		t.Errorf("gov_bundle_info does not name only v3:\n%s", m)
	}
}

func TestPollReloads(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("policy", policyVersion("v1 by"))
	s := newTestServer(t, Config{Bundle: repo.Dir + "@master", Poll: 20 * time.Millisecond})
	serve(t, s)
	v2 := repo.Commit("policy", policyVersion("v2 by"))
	waitRevision(t, s, v2)
}

func waitRevision(t *testing.T, s *Server, rev string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Bundle().Revision != rev {
		if time.Now().After(deadline) {
			t.Fatalf("revision %s, want %s", s.Bundle().Revision, rev)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartWithUnreachablePolicyRepo(t *testing.T) {
	origin := gittest.New(t)
	v1 := origin.Commit("policy", policyVersion("v1 by"))
	ref := "file://" + filepath.ToSlash(origin.Dir) + "@master"
	cache := t.TempDir()
	fresh := newTestServer(t, Config{Bundle: ref, Load: loadOpts(cache)})
	if st := fresh.Bundle(); st.Revision != v1 || st.Stale {
		t.Fatalf("first start: %+v, want v1 fresh", st)
	}
	if err := os.RemoveAll(origin.Dir); err != nil {
		t.Fatal(err)
	}

	t.Run("cached revision served as stale", func(t *testing.T) {
		s := newTestServer(t, Config{Bundle: ref, Load: loadOpts(cache)})
		code, out := call(t, s.Handler(), http.MethodGet, "/v1/bundle", bearer(testToken), nil)
		var st BundleStatus
		if err := json.Unmarshal(out, &st); err != nil || code != http.StatusOK {
			t.Fatalf("/v1/bundle: %d %s", code, out)
		}
		if st.Revision != v1 || !st.Stale || st.Source != ref || st.Ref != "master" || st.LastError == "" {
			t.Errorf("bundle status %+v: want v1, stale, the source named, the fetch error shown", st)
		}
		if msg := evalMessage(t, s.Handler()); !strings.Contains(msg, "v1 by bot") {
			t.Errorf("stale revision does not decide: %s", msg)
		}
		if !hasMetric(metricsText(t, s.Handler()), `gov_bundle_info{revision="`+v1+`",stale="true"} 1`) {
			t.Error("gov_bundle_info does not say stale")
		}
	})
	tests := []struct {
		name string
		cfg  Config
		says string
	}{
		{"no cache: refuses to start", Config{Bundle: ref, Load: loadOpts(t.TempDir())}, "no cached revision to serve instead"},
		{"missing directory: no fallback", Config{Bundle: filepath.Join(t.TempDir(), "nope")}, "open bundle"},
		{"broken bundle: no fallback", Config{Bundle: brokenDir(t)}, "requester.rego:4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.APIToken = testToken
			s, err := New(t.Context(), tt.cfg)
			if err == nil || s != nil {
				t.Fatalf("New: %v, want an error", err)
			}
			if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q: want one line saying %q", err, tt.says)
			}
		})
	}
}

func brokenDir(t *testing.T) string {
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": brokenPolicy})
	return dir
}
