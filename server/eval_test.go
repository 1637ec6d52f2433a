package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
)

func TestEvalAuth(t *testing.T) {
	s := newTestServer(t, Config{})
	body := []byte(`{"request_id":"r1","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`)
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no Authorization", map[string]string{"Content-Type": "application/json"}, http.StatusUnauthorized},
		{"wrong token", bearer("nope"), http.StatusUnauthorized},
		{"token prefix only", bearer(testToken[:5]), http.StatusUnauthorized},
		{"basic scheme", map[string]string{"Authorization": "Basic " + testToken}, http.StatusUnauthorized},
		{"right token", bearer(testToken), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", tt.header, body)
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, out)
			}
			if code == http.StatusUnauthorized && !strings.Contains(string(out), `"error"`) {
				t.Errorf("401 without an error message: %s", out)
			}
		})
	}
}

func TestEvalDisabledWithoutCredentials(t *testing.T) {
	dir := t.TempDir()
	s, err := New(t.Context(), Config{Bundle: dir})
	if err != nil {
		t.Fatal(err)
	}
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(""), []byte(`{}`))
	if code != http.StatusUnauthorized || !strings.Contains(string(out), "disabled") {
		t.Fatalf("got %d %s, want 401 saying the API is disabled", code, out)
	}
}

// requestCases pairs each testdata request with its patch (the longest
// patch name that prefixes the request's name).
func requestCases(t *testing.T) map[string]engine.Request {
	t.Helper()
	reqs, _ := filepath.Glob("../testdata/requests/*.json")
	patches, _ := filepath.Glob("../testdata/patches/*.diff")
	if len(reqs) == 0 || len(patches) == 0 {
		t.Fatal("no testdata requests or patches")
	}
	sort.Slice(patches, func(i, j int) bool { return len(patches[i]) > len(patches[j]) })
	out := map[string]engine.Request{}
	for _, rp := range reqs {
		data, err := os.ReadFile(rp)
		if err != nil {
			t.Fatal(err)
		}
		req, err := engine.DecodeRequest(rp, data)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(rp), ".json")
		for _, pp := range patches {
			if strings.HasPrefix(name, strings.TrimSuffix(filepath.Base(pp), ".diff")) {
				diff, err := os.ReadFile(pp)
				if err != nil {
					t.Fatal(err)
				}
				req.PatchContent = string(diff)
				break
			}
		}
		if req.PatchContent == "" {
			t.Fatalf("%s: no patch", rp)
		}
		out[name] = req
	}
	return out
}

// comparable drops what differs between two evaluations of one request.
func comparable(d *engine.Decision) engine.Decision {
	c := *d
	c.EvaluatedAt, c.DurationMS = time.Time{}, 0
	return c
}

func TestEvalMatchesEngine(t *testing.T) {
	s := newTestServer(t, Config{Bundle: "embedded"})
	b, err := bundles.Load(t.Context(), "embedded", bundles.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scan.New(scan.Config{Exclude: b.Config.Scanner.Exclude})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for name, req := range requestCases(t) {
		t.Run(name, func(t *testing.T) {
			p, err := patch.Parse([]byte(req.PatchContent))
			if err != nil {
				t.Fatal(err)
			}
			want, err := eng.Evaluate(t.Context(), engine.Input{Request: req, Patch: p, Findings: scan.PolicyFindings(sc.ScanPatch(p))})
			if err != nil {
				t.Fatal(err)
			}
			code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), mustJSON(t, req))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, out)
			}
			var got engine.Decision
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(comparable(&got), comparable(want)) {
				t.Errorf("served decision differs from the engine's:\n got %+v\nwant %+v", comparable(&got), comparable(want))
			}
			seen[string(got.Decision)] = true
		})
	}
	if len(seen) < 2 {
		t.Errorf("the testdata requests gave only the decisions %v; the comparison needs several outcomes", seen)
	}
}

func TestEvalBadInput(t *testing.T) {
	s := newTestServer(t, Config{MaxBodyBytes: 4096})
	tests := []struct {
		name   string
		header map[string]string
		body   string
		want   int
		says   string
	}{
		{"malformed JSON", bearer(testToken), `{"request_id": "r1",`, http.StatusBadRequest, "unexpected EOF"},
		{"patch that is not a diff", bearer(testToken), `{"patch_content": "hello\nworld\n"}`, http.StatusBadRequest, "patch_content: "},
		{"unknown field named", bearer(testToken), `{"request_id": "r1", "approve_please": true}`, http.StatusBadRequest, `unknown field "approve_please"`},
		{"wrong type names the field", bearer(testToken), `{"environment": 7}`, http.StatusBadRequest, `field "environment"`},
		{"trailing data", bearer(testToken), `{"request_id": "r1"} {"request_id": "r2"}`, http.StatusBadRequest, "after the request object"},
		{"empty body", bearer(testToken), ``, http.StatusBadRequest, "empty"},
		// Environments are a closed set: an unknown one (a case variant
		// here) is the caller's error, with the declared list.
		{"unknown environment", bearer(testToken), `{"environment": "Production", "patch_content": "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"}`, http.StatusBadRequest, `unknown environment "Production" (declared: production, staging)`},
		{"oversized", bearer(testToken), `{"patch_content": "` + strings.Repeat("a", 5000) + `"}`, http.StatusRequestEntityTooLarge, "larger than 4096 bytes"},
		{"no patch", bearer(testToken), `{"request_id": "r1", "environment": "staging"}`, http.StatusBadRequest, "patch_content: empty"},
		{"empty patch", bearer(testToken), `{"environment": "staging", "patch_content": ""}`, http.StatusBadRequest, "patch_content: empty"},
		{"whitespace-only patch", bearer(testToken), `{"environment": "staging", "patch_content": " \n\t\r\n "}`, http.StatusBadRequest, "patch_content: empty"},
		{"form body", map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/x-www-form-urlencoded"}, `{"patch_content": "x"}`, http.StatusUnsupportedMediaType, "application/json"},
		{"no Content-Type", map[string]string{"Authorization": "Bearer " + testToken}, `{"patch_content": "x"}`, http.StatusUnsupportedMediaType, "application/json"},
		{"text/plain", map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "text/plain; charset=utf-8"}, `{"patch_content": "x"}`, http.StatusUnsupportedMediaType, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", tt.header, []byte(tt.body))
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, out)
			}
			var e struct{ Error string }
			if err := json.Unmarshal(out, &e); err != nil || !strings.Contains(e.Error, tt.says) {
				t.Errorf("error %q does not say %q", out, tt.says)
			}
		})
	}
}

func TestEvalErrorFailsClosed(t *testing.T) {
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/conflict.rego": `package gov.custom.conflict

f(_) := 1
f(_) := 2

deny contains "never" if f(1) == 3
`})
	s := newTestServer(t, Config{Bundle: dir})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), []byte(`{"request_id":"r1","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`))
	if code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", code, out)
	}
	if strings.Contains(string(out), `"allow`) || !strings.Contains(string(out), "failing closed") {
		t.Errorf("answer %s: want an error failing closed and no decision", out)
	}
	if m := metricsText(t, s.Handler()); !hasMetric(m, `gov_decisions_total{decision="error"} 1`) {
		t.Errorf("error decision not counted:\n%s", m)
	}
}

func TestEvalKeepsBearerRequester(t *testing.T) {
	s := newTestServer(t, Config{})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), []byte(`{"requested_by":"healer-bot","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, out)
	}
	if !strings.Contains(string(out), "requested by healer-bot") {
		t.Errorf("requested_by not evaluated as sent: %s", out)
	}
}

func TestBundleEndpointAndMetrics(t *testing.T) {
	s := newTestServer(t, Config{})
	code, out := call(t, s.Handler(), http.MethodGet, "/v1/bundle", bearer(testToken), nil)
	if code != http.StatusOK {
		t.Fatalf("/v1/bundle: %d %s", code, out)
	}
	var st BundleStatus
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Revision, "sha256:") || st.Stale || st.LoadedAt.IsZero() {
		t.Errorf("bundle status %+v: want a digest revision, fresh, with loaded_at", st)
	}
	if code, _ := call(t, s.Handler(), http.MethodGet, "/v1/bundle", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("/v1/bundle without a token: %d, want 401", code)
	}
	call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), []byte(`{"environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`))
	m := metricsText(t, s.Handler())
	for _, want := range []string{
		`gov_bundle_info{revision="` + st.Revision + `",stale="false"} 1`,
		`gov_decisions_total{decision="allow"} 1`,
		`gov_decision_duration_seconds_count 1`,
		`gov_queue_depth 0`,
		`go_goroutines`,
	} {
		if !hasMetric(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		if code, out := call(t, s.Handler(), http.MethodGet, path, nil, nil); code != want {
			t.Errorf("%s: %d %s", path, code, out)
		}
	}
}
