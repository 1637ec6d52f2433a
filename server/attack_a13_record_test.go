package server

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A secret in the path of a file that also holds a found secret: the
// findings (rule, file, line) are recorded without redaction, so the path's
// secret lands raw in the audit record.
func TestAttackA13RecordFindingPathSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	path := "cfg/" + aws.Secret + "/settings.py"
	diff := "diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" + path + "\n@@ -0,0 +1,1 @@\n+TOKEN = \"" + pat.Secret + "\"\n"
	body := mustJSON(t, map[string]any{"environment": "staging", "patch_content": diff})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	a13NoRaw(t, "200 answer", string(out), pat.Secret, aws.Secret)
	n := 0
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file "+filepath.Base(p), string(b), pat.Secret, aws.Secret)
		}
		return nil
	})
	if n == 0 {
		t.Fatal("nothing recorded")
	}
}

// Guard: a secret suppressed with gov:allow, in a removed line, in a
// context line and in a hunk comment, and one sent JSON-escaped in
// error_context, is masked in the answer and the record.
func TestAttackA13SuppressedRemovedContextMasked(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	slack := a13Kind(t, "slack-bot-token")
	stripe := a13Kind(t, "stripe-secret-key")
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	diff := "diff --git a/app/s.py b/app/s.py\n--- a/app/s.py\n+++ b/app/s.py\n@@ -1,3 +1,3 @@ SLACK = \"" + slack.Secret + "\"\n" +
		" AWS_ACCESS_KEY_ID = \"" + aws.Secret + "\"\n" +
		"-STRIPE = \"" + stripe.Secret + "\"\n" +
		"+TOKEN = \"" + pat.Secret + "\"  # gov:allow github-pat -- test fixture\n" +
		" x = 1\n"
	esc := ""
	for _, r := range pat.Secret {
		esc += fmt.Sprintf(`\u%04x`, r)
	}
	body := []byte(`{"environment":"staging","error_context":{"log":"token=` + esc + `"},"patch_content":` + string(mustJSON(t, diff)) + `}`)
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	all := []string{pat.Secret, aws.Secret, slack.Secret, stripe.Secret}
	a13NoRaw(t, "200 answer", string(out), all...)
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file", string(b), all...)
		}
		return nil
	})
}

// A private key block cut off before its END line (a truncated paste): the
// scanner finds only the BEGIN marker or nothing, and the key body lines are
// recorded and answered raw.
func TestAttackA13TruncatedPrivateKeyBody(t *testing.T) {
	key := a13Kind(t, "private-key-rsa")
	var body []string
	for l := range strings.Lines(key.Value) {
		if !strings.Contains(l, "END") {
			body = append(body, "+"+strings.TrimRight(l, "\n"))
		}
	}
	diff := "diff --git a/deploy/id_rsa b/deploy/id_rsa\nnew file mode 100644\n--- /dev/null\n+++ b/deploy/id_rsa\n@@ -0,0 +1," + fmt.Sprint(len(body)) + " @@\n" + strings.Join(body, "\n") + "\n"
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), mustJSON(t, map[string]any{"environment": "staging", "patch_content": diff}))
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	parts := leaktestParts(key)
	a13NoRaw(t, "200 answer", string(out), parts...)
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file", string(b), parts...)
		}
		return nil
	})
}

// Guard: a secret as a map key of error_context and metadata (nested), and
// as request_id, is masked in the answer, the record and the log.
func TestAttackA13SecretMapKeysMasked(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	body := mustJSON(t, map[string]any{
		"environment":   "staging",
		"request_id":    "token=" + pat.Secret,
		"error_context": map[string]any{"token=" + pat.Secret: map[string]any{"AWS_ACCESS_KEY_ID=" + aws.Secret: []any{1}}},
		"metadata":      map[string]any{"k": map[string]any{"AWS_ACCESS_KEY_ID=" + aws.Secret: "v"}},
		"patch_content": a13Diff("app/x.py", "x = 2"),
	})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	a13NoRaw(t, "200 answer", string(out), pat.Secret, aws.Secret)
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file", string(b), pat.Secret, aws.Secret)
			a13NoRaw(t, "audit file name", p, pat.Secret, aws.Secret)
		}
		return nil
	})
}

// A long unquoted secret (an env-file line, 260 characters): the generic
// rule matches only its first 200, so the rest is answered and recorded raw.
func TestAttackA13LongSecretFoundPartly(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	x := uint32(2463534242)
	for range 260 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(alphabet[x%uint32(len(alphabet))])
	}
	secret := b.String()
	tail := secret[200:]
	diff := "diff --git a/.env.example b/.env.example\n--- a/.env.example\n+++ b/.env.example\n@@ -1 +1 @@\n-API_TOKEN=changeme\n+API_TOKEN=" + secret + "\n"
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	body := mustJSON(t, map[string]any{"environment": "staging", "patch_content": diff,
		"error_context": map[string]any{"log": "API_TOKEN=" + secret}})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	a13NoRaw(t, "200 answer", string(out), tail)
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file", string(b), tail)
		}
		return nil
	})
}

// A database password found percent-encoded in the patch's URL also appears
// decoded in the error log the healer sends (as drivers print it): the
// decoded form is the secret, and it is answered and recorded raw.
func TestAttackA13PercentEncodedSecretDecodedElsewhere(t *testing.T) {
	encoded := "Zq8%40vR3%23kLm9%21xW2pT7"
	decoded := "Zq8@vR3#kLm9!xW2pT7"
	diff := "diff --git a/app/db.py b/app/db.py\n--- a/app/db.py\n+++ b/app/db.py\n@@ -1 +1 @@\n-DB = None\n+DATABASE_URL = \"postgres://app:" + encoded + "@db.internal:5432/app\"\n"
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	body := mustJSON(t, map[string]any{"environment": "staging", "patch_content": diff,
		"error_context": map[string]any{"log": "FATAL: password authentication failed for user app (password " + decoded + ")"}})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	if strings.Contains(string(out), encoded) {
		t.Fatalf("the encoded password itself is not masked: %s", out)
	}
	a13NoRaw(t, "200 answer", string(out), decoded)
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file", string(b), decoded)
		}
		return nil
	})
}

// A GitHub token found in error_context is masked there, but the same token
// base64-encoded in a Kubernetes Secret manifest of the patch is recorded as
// is: base64 is not a mask.
func TestAttackA13Base64OfFoundSecretRecorded(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	b64 := base64.StdEncoding.EncodeToString([]byte(pat.Secret))
	diff := "diff --git a/k8s/secret.yaml b/k8s/secret.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/k8s/secret.yaml\n@@ -0,0 +1,5 @@\n+apiVersion: v1\n+kind: Secret\n+metadata: {name: gh}\n+data:\n+  gh: " + b64 + "\n"
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	body := mustJSON(t, map[string]any{"environment": "staging", "patch_content": diff,
		"error_context": map[string]any{"log": "GITHUB_TOKEN=" + pat.Secret}})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	a13NoRaw(t, "200 answer", string(out), pat.Secret, b64)
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file", string(b), pat.Secret, b64)
		}
		return nil
	})
}
