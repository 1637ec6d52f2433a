package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gov-policy/gov/internal/leaktest"
	"github.com/gov-policy/gov/scan/scantest"
)

// a13Kind returns the leaktest sample of rule.
func a13Kind(t *testing.T, rule string) scantest.Sample {
	t.Helper()
	for _, s := range leaktest.Kinds() {
		if s.Rule == rule {
			return s
		}
	}
	t.Fatalf("no leaktest sample %s", rule)
	return scantest.Sample{}
}

func a13Diff(path, line string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1,1 +1,1 @@\n-x = 1\n+%s\n", path, path, path, path, line)
}

// a13Eval posts body to /v1/eval and returns status, answer and server log.
func a13Eval(t *testing.T, body []byte) (int, string, string) {
	t.Helper()
	var logs bytes.Buffer
	s := newTestServer(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	return code, string(out), logs.String()
}

func a13NoRaw(t *testing.T, where, data string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(data, s) {
			t.Errorf("%s holds the raw secret %q:\n%s", where, s, data)
		}
	}
}

// An environment the bundle does not declare is answered 400 with the
// unredacted EnvironmentError (errors.As unwraps the Redactor's mask).
func TestAttackA13EnvironmentErrorEchoesSecret(t *testing.T) {
	aws := a13Kind(t, "aws-access-key-id")
	body := mustJSON(t, map[string]any{
		"environment":   leaktest.Line(aws),
		"patch_content": a13Diff("app/x.py", "x = 2"),
	})
	code, out, logs := a13Eval(t, body)
	if code/100 != 4 {
		t.Errorf("status %d, want 4xx", code)
	}
	a13NoRaw(t, "400 answer", out, aws.Secret)
	a13NoRaw(t, "server log", logs, aws.Secret)
}

// A patch that is not a diff is answered with its first line quoted (40
// bytes: a whole GitHub PAT, a whole AWS key id).
func TestAttackA13NotADiffErrorEchoesSecret(t *testing.T) {
	for _, rule := range []string{"github-pat", "aws-access-key-id"} {
		k := a13Kind(t, rule)
		body := mustJSON(t, map[string]any{"environment": "production", "patch_content": k.Secret + "\n"})
		code, out, logs := a13Eval(t, body)
		if code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", rule, code)
		}
		a13NoRaw(t, rule+": 400 answer", out, k.Secret)
		a13NoRaw(t, rule+": server log", logs, k.Secret)
	}
}

// A malformed hunk is answered with the file path and the hunk header
// (with its section comment) quoted.
func TestAttackA13MalformedHunkErrorEchoesSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	path := "cfg/" + aws.Secret + ".py"
	diff := fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1,1 +4294967296,1 @@ token = %q\n-x = 1\n+x = 2\n",
		path, path, path, path, pat.Secret)
	body := mustJSON(t, map[string]any{"environment": "production", "patch_content": diff})
	code, out, logs := a13Eval(t, body)
	if code != http.StatusBadRequest {
		t.Errorf("status %d, want 400: %s", code, out)
	}
	a13NoRaw(t, "400 answer", out, pat.Secret, aws.Secret)
	a13NoRaw(t, "server log", logs, pat.Secret, aws.Secret)
}

// A request with an unknown field is answered naming the field: a key that
// is a secret comes back raw.
func TestAttackA13UnknownFieldEchoesSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	body := []byte(`{"environment":"production","` + pat.Secret + `":1,"patch_content":` + string(mustJSON(t, a13Diff("a.py", "x = 2"))) + `}`)
	code, out, logs := a13Eval(t, body)
	if code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", code)
	}
	a13NoRaw(t, "400 answer", out, pat.Secret)
	a13NoRaw(t, "server log", logs, pat.Secret)
}

// Guard: secrets in every field of a request that decides come back masked,
// also when the patch carries them in a file path and a rename.
func TestAttackA13DecisionMasksPathsAndFields(t *testing.T) {
	kinds := leaktest.Kinds()
	aws := a13Kind(t, "aws-access-key-id")
	pat := a13Kind(t, "github-pat")
	diff := leaktest.Patch(kinds) +
		"diff --git a/old/" + pat.Secret + ".py b/new/" + aws.Secret + ".py\nsimilarity index 90%\nrename from old/" + pat.Secret + ".py\nrename to new/" + aws.Secret + ".py\n--- a/old/" + pat.Secret + ".py\n+++ b/new/" + aws.Secret + ".py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n"
	req := leaktest.Request(kinds, diff)
	req.Environment = "production"
	code, out, logs := a13Eval(t, mustJSON(t, req))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, out)
	}
	leaktest.Check(t, "200 answer", []byte(out))
	leaktest.Check(t, "server log", []byte(logs))
}

func leaktestParts(s scantest.Sample) []string {
	var out []string
	for _, p := range leaktest.Parts(s) {
		if !strings.HasPrefix(p, "-----") {
			out = append(out, p)
		}
	}
	return out
}
