package decide

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gov-policy/gov/engine"
)

// FuzzRedact: whatever the text and the secrets, no secret survives
// redaction, in a plain string or anywhere in a decision and a request
// (messages, maps, slices, pointers). Secrets holding '*' or '(' are
// skipped: the masked form itself is made of stars and "(N chars)".
func FuzzRedact(f *testing.F) {
	f.Add("token=AKIAABCDEFGHIJKLMNOP here", "AKIAABCDEFGHIJKLMNOP", "MNOPxyz")
	f.Add("aaaaaaaaaaaa", "aaaa", "aaaaaaa")
	f.Add("ghp_1234ghp_1234ghp_1234", "ghp_1234", "4ghp")
	f.Add("ü€ secret ü€", "ü€ secret", "t ü")
	f.Fuzz(func(t *testing.T, text, s1, s2 string) {
		var secrets []string
		for _, s := range []string{s1, s2} {
			if s != "" && !strings.ContainsAny(s, "*(") {
				secrets = append(secrets, s)
			}
		}
		r := &Redactor{secrets: secrets}
		check := func(where, out string) {
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("%s: secret %q survives in %q (text %q)", where, s, out, text)
				}
			}
		}
		check("String", r.String(text))
		if !utf8.ValidString(text + s1 + s2) {
			// JSON turns invalid UTF-8 into U+FFFD, whose bytes may
			// "contain" a one-byte secret; requests are valid UTF-8.
			return
		}
		d := &engine.Decision{
			Decision:   engine.RequireApproval,
			Reason:     text,
			Violations: []engine.Violation{{Message: "x" + text, Controls: []string{text}}},
			Workflow:   &engine.WorkflowResult{Name: text, Stages: []engine.StageResult{{ApprovedBy: []string{text}}}},
		}
		out, err := json.Marshal(Redact(r, d))
		if err != nil {
			t.Fatal(err)
		}
		var back engine.Decision
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if back.Decision != engine.RequireApproval {
			t.Fatalf("outcome %q after redaction, want require_approval", back.Decision)
		}
		for _, s := range []string{back.Reason, back.Violations[0].Message, back.Violations[0].Controls[0], back.Workflow.Name, back.Workflow.Stages[0].ApprovedBy[0]} {
			check("Decision", s)
		}
		req := Redact(r, engine.Request{ErrorContext: map[string]any{text: []any{text, map[string]any{"k": text}}}})
		for k, v := range req.ErrorContext {
			check("map key", k)
			list := v.([]any)
			check("slice", list[0].(string))
			check("nested map", list[1].(map[string]any)["k"].(string))
		}
		if d.Reason != text {
			t.Fatal("Redact changed its argument")
		}
	})
}
