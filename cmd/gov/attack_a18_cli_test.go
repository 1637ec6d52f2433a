package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAttackA18FilteredSecretsLeaveCLI: credentials that the scanner's noise
// filters used to drop (a status-page key read as a page cursor, a token in
// a .gitleaksignore comment, a prefixed token after a dot, a password with
// a dot or a leading @, a token with two double underscores) are masked in
// every format of gov eval, its --print-input and its audit record.
func TestAttackA18FilteredSecretsLeaveCLI(t *testing.T) {
	secrets := []string{
		"Kq8vWz3Lp9xTm2Rb7Yc4Hd",
		"Jn6QwZe5Tu8Vb0Nc3Mx7Ly",
		"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",
		"Prod.Hd9Fs2Jn6Qw1",
		"@Tu8Vb0Nc3Mx7",
		"Rb7Yc4Hd__Kq8vWz3__Lp9xTm2",
	}
	diff := "diff --git a/app.env b/app.env\nnew file mode 100644\n--- /dev/null\n+++ b/app.env\n@@ -0,0 +1,5 @@\n" +
		"+STATUS_PAGE_API_KEY=" + secrets[0] + "\n" +
		"+PPLX=prod." + secrets[2] + "\n" +
		"+DB_PASSWORD=" + secrets[3] + "\n" +
		"+ADMIN_PASSWORD=" + secrets[4] + "\n" +
		"+SESSION_SECRET=" + secrets[5] + "\n" +
		"diff --git a/.gitleaksignore b/.gitleaksignore\nnew file mode 100644\n--- /dev/null\n+++ b/.gitleaksignore\n@@ -0,0 +1,1 @@\n" +
		"+# prod API_TOKEN=" + secrets[1] + "\n"
	p := a13Write(t, "p.diff", []byte(diff))
	audit := t.TempDir()
	for _, format := range []string{"text", "json", "sarif", "github"} {
		_, out := a13Gov(t, "eval", "--env", "production", "--patch", p, "--format", format, "--audit-dir", audit)
		a13NoRaw(t, "gov eval --format "+format, out, secrets...)
	}
	_, out := a13Gov(t, "eval", "--env", "production", "--patch", p, "--print-input")
	a13NoRaw(t, "gov eval --print-input", out, secrets...)
	n := 0
	filepath.WalkDir(audit, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			a13NoRaw(t, path, string(b), secrets...)
			n++
		}
		return nil
	})
	if n == 0 {
		t.Error("no audit record written")
	}
}
