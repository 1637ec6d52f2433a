package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// /readyz answers "ready" while every decision fails because the audit
// directory cannot be written (the record store is unreachable).
func TestAttackA13ReadyzLiesWhenAuditStoreBroken(t *testing.T) {
	audit := filepath.Join(t.TempDir(), "audit")
	s := newTestServer(t, Config{AuditDir: audit})
	// The record store goes away: a file where the directory was.
	_ = os.RemoveAll(audit)
	if err := os.WriteFile(audit, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := mustJSON(t, map[string]any{"environment": "production", "patch_content": a13Diff("a.py", "x = 2")})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code == http.StatusOK {
		t.Fatalf("decided without a record: %s", out)
	}
	rcode, rbody := call(t, s.Handler(), http.MethodGet, "/readyz", nil, nil)
	var r map[string]any
	_ = json.Unmarshal(rbody, &r)
	if rcode == http.StatusOK && r["status"] == "ready" {
		t.Errorf("/readyz says ready (%d %s) while /v1/eval answers %d %s", rcode, rbody, code, strings.TrimSpace(string(out)))
	}
}

// Guard: wrongly typed, nested, encoded bodies are 4xx and the server keeps
// serving; none of them is decided.
func TestAttackA13MalformedBodiesAre4xx(t *testing.T) {
	s := newTestServer(t, Config{})
	h := s.Handler()
	diff := string(mustJSON(t, a13Diff("a.py", "x = 2")))
	bodies := map[string]string{
		"env number":        `{"environment":5,"patch_content":` + diff + `}`,
		"patch array":       `{"environment":"production","patch_content":["x"]}`,
		"error_context str": `{"environment":"production","error_context":"x","patch_content":` + diff + `}`,
		"deep nesting":      `{"environment":"production","metadata":{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `},"patch_content":` + diff + `}`,
		"latin1":            "{\"environment\":\"production\xe9\",\"patch_content\":" + diff + "}",
		"two objects":       `{"environment":"production","patch_content":` + diff + `}{"environment":"staging"}`,
		"duplicate key":     `{"environment":"staging","environment":"production","patch_content":` + diff + `,"patch_content":""}`,
		"array body":        `[]`,
		"null body":         `null`,
		"whitespace patch":  `{"environment":"production","patch_content":"  \n"}`,
		"utf16 bom":         "\xef\xbb\xbf{\"environment\":\"production\",\"patch_content\":" + diff + "}",
	}
	for name, b := range bodies {
		code, out := call(t, h, http.MethodPost, "/v1/eval", bearer(testToken), []byte(b))
		if code/100 != 4 {
			t.Errorf("%s: %d %s", name, code, out)
		}
	}
	code, _ := call(t, h, http.MethodGet, "/healthz", nil, nil)
	if code != http.StatusOK {
		t.Errorf("healthz %d after malformed bodies", code)
	}
}

// Duplicate and case-variant keys are accepted: encoding/json matches
// "ENVIRONMENT" to environment and keeps the last value, so a body a proxy
// or logger reads as production is decided (and allowed) as staging.
func TestAttackA13AmbiguousKeysDecided(t *testing.T) {
	s := newTestServer(t, Config{Bundle: "embedded"})
	diff := string(mustJSON(t, a13Diff("app/x.py", "x = 2")))
	for name, b := range map[string]string{
		"duplicate":    `{"environment":"production","environment":"staging","patch_content":` + diff + `}`,
		"case variant": `{"environment":"production","ENVIRONMENT":"staging","patch_content":` + diff + `}`,
	} {
		code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), []byte(b))
		if code/100 != 4 {
			t.Errorf("%s: %d %s", name, code, strings.TrimSpace(string(out))[:min(160, len(out)-1)])
		}
	}
}
