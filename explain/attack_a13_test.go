package explain

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
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
