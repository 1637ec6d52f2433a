package server

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/internal/leaktest"
	"github.com/gov-policy/gov/scan/scantest"
)

// A secret whose rule needs its name beside it (aws_secret_access_key,
// db_password) sent as a key and its value in error_context or metadata:
// each string of a request is scanned on its own, the value alone matches
// no rule, and it is answered or recorded raw.
func TestAttackA17ReqKeyedSecretInErrorContext(t *testing.T) {
	for _, rule := range []string{"aws-secret-access-key", "generic-secret"} {
		k := a13Kind(t, rule)
		evalRecordsNoRaw(t, rule, k, map[string]any{
			"error_context": map[string]any{k.Name: k.Value},
			"metadata": map[string]any{"env": map[string]any{k.Name: k.Value}, "list": []any{map[string]any{k.Name: k.Value}},
				"log": map[string]any{k.Name: k.Value + "\n" + strings.Repeat("log line\n", 1000)}},
		})
	}
}

// The same secret as the one string of a list under its name
// ({"db_password": ["..."]}), or in Kubernetes' env form
// ({"name": "DB_PASSWORD", "value": "..."}): no string pair holds both.
func TestAttackA17ReqKeyedSecretInListOrEnvForm(t *testing.T) {
	for _, rule := range []string{"aws-secret-access-key", "generic-secret"} {
		k := a13Kind(t, rule)
		for form, ec := range []map[string]any{
			{k.Name: []any{k.Value}},
			{"env": []any{map[string]any{"name": k.Name, "value": k.Value}}},
			{"x": map[string]any{"key": k.Name, "value": k.Value}},
		} {
			evalRecordsNoRaw(t, fmt.Sprintf("%s form %d", rule, form), k, map[string]any{"error_context": ec})
		}
	}
}

// The same secret one map deeper than its name ({"db_password": {"value":
// "..."}}, {"db_password": {"current": "..."}}): the pair nearest the
// string is "value" or "current", which no rule reads as a secret's name.
func TestAttackA17ReqKeyedSecretNestedUnderName(t *testing.T) {
	for _, rule := range []string{"aws-secret-access-key", "generic-secret"} {
		k := a13Kind(t, rule)
		for form, ec := range []map[string]any{
			{k.Name: map[string]any{"value": k.Value}},
			{"db": map[string]any{k.Name: map[string]any{"current": []any{k.Value}}}},
		} {
			evalRecordsNoRaw(t, fmt.Sprintf("%s form %d", rule, form), k, map[string]any{"metadata": ec})
		}
	}
}

// evalRecordsNoRaw posts a /v1/eval request with fields (environment
// staging, a small patch) and checks that k's secret is raw neither in the
// 200 answer nor in any audit file, and that something was recorded.
func evalRecordsNoRaw(t *testing.T, where string, k scantest.Sample, fields map[string]any) {
	t.Helper()
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	req := map[string]any{"environment": "staging", "patch_content": a13Diff("app/x.py", "x = 2")}
	maps.Copy(req, fields)
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), mustJSON(t, req))
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", where, code, out)
	}
	a13NoRaw(t, where+": 200 answer", string(out), leaktest.Parts(k)...)
	n := 0
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
			b, _ := os.ReadFile(p)
			a13NoRaw(t, where+": audit file "+filepath.Base(p), string(b), leaktest.Parts(k)...)
		}
		return nil
	})
	if n == 0 {
		t.Fatalf("%s: nothing recorded", where)
	}
}

// A name and its value as neighbouring items of a list (an argv, a flat
// env list: ["DB_PASSWORD", "..."]) in error_context or metadata: the name
// is the item before the value.
func TestAttackA17ReqKeyedSecretAfterNameInList(t *testing.T) {
	for _, rule := range []string{"aws-secret-access-key", "generic-secret"} {
		k := a13Kind(t, rule)
		evalRecordsNoRaw(t, rule+" in error_context", k, map[string]any{"error_context": map[string]any{"env": []any{"HOME", "/root", k.Name, k.Value}}})
		evalRecordsNoRaw(t, rule+" in metadata", k, map[string]any{"metadata": map[string]any{"argv": []any{"deploy", "--" + k.Name, k.Value}}})
	}
}
