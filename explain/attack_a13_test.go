package explain

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/internal/leaktest"
)

// A secret that is a key of request metadata, holding a backslash and a
// quote (a generic password in single quotes may): the input path a rule
// read, input.request.metadata.keys["..."], quotes the key with Rego's
// escapes, so the redactor (which masks the raw bytes) does not see it and
// the path carries the secret.
func TestAttackA13ExplainMapKeyPathEscapedSecret(t *testing.T) {
	secret := `Zq8\vR3kLm9"xW2pT7`
	diff := "diff --git a/app/x.py b/app/x.py\n--- a/app/x.py\n+++ b/app/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
	req := engine.Request{Environment: "production", PatchContent: diff,
		ErrorContext: map[string]any{"log": `password = '` + secret + `'`},
		Metadata:     map[string]any{"keys": map[string]any{secret: 2}}}
	b := writeBundle(t, map[string]string{"policies/keys.rego": `package gov.custom.keys

warn contains msg if {
	some k
	input.request.metadata.keys[k] > 0
	msg := "a key is set"
}
`})
	x, err := ForRequest(context.Background(), b, req, mustParse(t, diff), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rules) != 1 || len(x.Rules[0].Reads) == 0 {
		t.Fatalf("the rule's reads are not explained: %+v", x.Rules)
	}
	var text bytes.Buffer
	if err := WriteText(&text, x); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), string(js)} {
		for _, part := range []string{"R3kLm9", "xW2pT7"} {
			if strings.Contains(out, part) {
				t.Errorf("the explanation holds part %q of the secret:\n%s", part, out)
			}
		}
	}
}

// A rule that matches case-insensitively binds the line lower-cased (or
// upper-cased): explain prints its bindings, and the redactor masks only
// the secret's exact bytes, so the folded secret (an AWS key id is
// upper-case: its lower-case form gives it back whole) is printed.
func TestAttackA13ExplainCaseFoldedBinding(t *testing.T) {
	kinds := leaktest.Kinds()
	var lines []string
	for _, k := range kinds {
		if !strings.Contains(k.Secret, "\n") {
			lines = append(lines, leaktest.Line(k))
		}
	}
	diff := "diff --git a/app/s.py b/app/s.py\nnew file mode 100644\n--- /dev/null\n+++ b/app/s.py\n@@ -0,0 +1," +
		strconv.Itoa(len(lines)) + " @@\n+" + strings.Join(lines, "\n+") + "\n"
	req := engine.Request{Environment: "production", PatchContent: diff}
	b := writeBundle(t, map[string]string{"policies/fold.rego": `package gov.custom.fold

warn contains msg if {
	some f in input.patch.files
	some l in f.added
	low := lower(l.text)
	up := upper(l.text)
	contains(low, "=")
	msg := sprintf("%s:%d assigns", [f.path, l.line])
}
`})
	x, err := ForRequest(context.Background(), b, req, mustParse(t, diff), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rules) == 0 || len(x.Rules[0].Bindings) == 0 {
		t.Fatalf("no bindings explained: %+v", x.Rules)
	}
	var text bytes.Buffer
	if err := WriteText(&text, x); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), string(js)} {
		for _, k := range kinds {
			if strings.Contains(k.Secret, "\n") {
				continue
			}
			for _, form := range []string{strings.ToLower(k.Secret), strings.ToUpper(k.Secret)} {
				if strings.Contains(out, form) {
					t.Errorf("the explanation holds %s case-folded: %q", k.Rule, form)
				}
			}
		}
	}
}

// A Kubernetes Secret's data value is found (and masked) base64-encoded; a
// rule that decodes it to check what it holds binds the decoded token, which
// the redactor does not know, and explain prints it.
func TestAttackA13ExplainBase64DecodedBinding(t *testing.T) {
	var tok string
	for _, k := range leaktest.Kinds() {
		if k.Rule == "github-pat" {
			tok = k.Secret
		}
	}
	if !strings.HasPrefix(tok, "ghp_") {
		t.Fatalf("no GitHub token sample: %q", tok)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(tok))
	diff := "diff --git a/k8s/secret.yaml b/k8s/secret.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/k8s/secret.yaml\n@@ -0,0 +1,5 @@\n+apiVersion: v1\n+kind: Secret\n+metadata: {name: gh}\n+data:\n+  gh: " + b64 + "\n"
	req := engine.Request{Environment: "production", PatchContent: diff}
	b := writeBundle(t, map[string]string{"policies/b.rego": `package gov.custom.b

warn contains msg if {
	some f in input.patch.files
	some l in f.added
	startswith(trim_space(l.text), "gh: ")
	dec := base64.decode(trim_prefix(trim_space(l.text), "gh: "))
	startswith(dec, "ghp_")
	msg := "a GitHub token in a Kubernetes Secret"
}
`})
	x, err := ForRequest(context.Background(), b, req, mustParse(t, diff), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rules) != 1 || len(x.Rules[0].Bindings) == 0 {
		t.Fatalf("the rule's bindings are not explained: %+v", x.Rules)
	}
	var text bytes.Buffer
	if err := WriteText(&text, x); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), string(js)} {
		for _, part := range []string{tok[8:], b64[8:]} {
			if strings.Contains(out, part) {
				t.Errorf("the explanation holds %q:\n%s", part, out)
			}
		}
	}
}
