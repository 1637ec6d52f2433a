package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/scan"
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

// TestAttackA18ScanTextNamesSkippedLarge: gov scan's text summary says
// that a file over the size limit was not scanned (a secret in it is not
// reported); before, only --format json carried skipped_large and the text
// read as a clean scan.
func TestAttackA18ScanTextNamesSkippedLarge(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("filler line of a generated file\n"), scan.MaxFileSize/32+1)
	big = append(big, "AWS_SECRET_ACCESS_KEY=Kq8vWz3Lp9xTm2Rb7Yc4Hd9Fs2Jn6Qw1Ze5Tu8Vb\n"...)
	if err := os.WriteFile(filepath.Join(dir, "dump.sql"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	_, out := a13Gov(t, "scan", dir, "--no-progress")
	if !strings.Contains(out, "1 file not scanned (over 10 MB)") {
		t.Fatalf("the text summary does not name the skipped file:\n%s", out)
	}
}

// TestAttackA18HeaderAndPKCS11SecretsLeaveCLIMasked: the credentials this
// branch's scanner fixes find (a token= after a pkcs11: value in a query,
// an Authorization header set through an indexed map or a prefixed
// literal, Basic credentials in a header) and a pkcs11 PIN are masked in
// every format of gov eval and in its --print-input.
func TestAttackA18HeaderAndPKCS11SecretsLeaveCLIMasked(t *testing.T) {
	secrets := []string{
		"Kq8vWz3Lp9xTm2Rb4Yc7Hd1N",
		"Jn6QwZe5Tu8Vb0Nc3Mx7LyP2",
		"Tu8Vb0Nc3Mx7LyP2Kq8vWz3L",
		"ZGVwbG95OktxOHZXejNMcDl4VG0yUmI=",
		"83920174",
	}
	diff := "diff --git a/client.py b/client.py\nnew file mode 100644\n--- /dev/null\n+++ b/client.py\n@@ -0,0 +1,5 @@\n" +
		"+HOOK = \"https://hooks.example.com/v1?signer=pkcs11:slot-id=0&token=" + secrets[0] + "\"\n" +
		"+session.headers[\"Authorization\"] = \"Bearer " + secrets[1] + "\"\n" +
		"+headers = {\"Authorization\": f\"Bearer " + secrets[2] + "\"}\n" +
		"+basic = {\"Authorization\": \"Basic " + secrets[3] + "\"}\n" +
		"+KEY = \"pkcs11:token=yubi;object=cosign?pin-value=" + secrets[4] + "\"\n"
	p := a13Write(t, "p.diff", []byte(diff))
	for _, format := range []string{"text", "json", "sarif", "github"} {
		_, out := a13Gov(t, "eval", "--env", "production", "--patch", p, "--format", format)
		a13NoRaw(t, "gov eval --format "+format, out, secrets...)
	}
	_, out := a13Gov(t, "eval", "--env", "production", "--patch", p, "--print-input")
	a13NoRaw(t, "gov eval --print-input", out, secrets...)
	_, out = a13Gov(t, "scan", "--patch", p, "--format", "json")
	a13NoRaw(t, "gov scan --patch", out, secrets...)
}
