package decide_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/internal/leaktest"
	"github.com/gov-policy/gov/patch"
)

// midPatch is the leak test's patch (secrets of every kind, multi-line
// keys, lines library rules flag) followed by files of generated Python
// changes, some of which evaluate dynamic code: about 2 MB.
func midPatch() string {
	var b strings.Builder
	b.WriteString(leaktest.Patch(leaktest.Kinds()))
	for i := range 300 {
		name := fmt.Sprintf("services/svc%d/handler_%d.py", i%12, i)
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n@@ -1,40 +1,40 @@\n", name, name, name, name)
		for l := range 40 {
			fmt.Fprintf(&b, "-    value_%d = compute(record, %d)  # old behaviour of handler %d\n", l, l, i)
		}
		for l := range 40 {
			if i%50 == 7 && l == 3 {
				fmt.Fprintf(&b, "+    value_%d = eval(record.expr_%d)  # handler %d\n", l, l, i)
				continue
			}
			fmt.Fprintf(&b, "+    value_%d = compute(record, %d) if record is not None else None  # handler %d\n", l, l, i)
		}
	}
	return b.String()
}

// TestLargePatchDecisionUnchanged: a patch parsed as substrings of the
// request's patch_content (ParseString, as gov eval and gov serve now read
// it) is decided exactly as the same patch parsed from a copy of its bytes,
// and the redactor built from the request without copying the patch
// masks what the copying scan found.
func TestLargePatchDecisionUnchanged(t *testing.T) {
	p := pipeline(t)
	diff := midPatch()
	req := leaktest.Request(leaktest.Kinds(), diff)
	req.Environment = "production"

	shared, err := patch.ParseString(diff)
	if err != nil {
		t.Fatal(err)
	}
	copied, err := patch.Parse([]byte(diff))
	if err != nil {
		t.Fatal(err)
	}
	if shared.Stats.Additions < 12_000 || shared.Stats != copied.Stats {
		t.Fatalf("stats %+v and %+v: want equal, 12,000 added lines or more", shared.Stats, copied.Stats)
	}
	run := func(pt *patch.Patch) *decide.Result {
		t.Helper()
		res, err := p.Run(t.Context(), decide.Input{Request: req, Patch: pt})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	got, want := run(shared), run(copied)
	if got.Decision.Decision != engine.Deny || len(got.Findings) == 0 {
		t.Fatalf("decision %s with %d findings, want deny on the planted secrets", got.Decision.Decision, len(got.Findings))
	}
	evals := 0
	for _, v := range got.Decision.Violations {
		if v.Rule == "code/python-eval" && strings.HasSuffix(v.File, ".py") && v.Line == 4 {
			evals++
		}
	}
	if evals != 6 {
		t.Errorf("%d python-eval violations on the generated handlers, want 6", evals)
	}
	if len(got.Decision.Violations) == 0 || !equalViolations(got.Decision.Violations, want.Decision.Violations) {
		t.Errorf("violations differ:\n got %+v\nwant %+v", got.Decision.Violations, want.Decision.Violations)
	}
	if got.Decision.Decision != want.Decision.Decision || got.Decision.Reason != want.Decision.Reason ||
		got.Decision.RiskLevel != want.Decision.RiskLevel {
		t.Errorf("decision %s (%s, risk %s), want %s (%s, risk %s)", got.Decision.Decision, got.Decision.Reason,
			got.Decision.RiskLevel, want.Decision.Decision, want.Decision.Reason, want.Decision.RiskLevel)
	}
	if !slices.Equal(got.Findings, want.Findings) {
		t.Errorf("findings differ:\n got %+v\nwant %+v", got.Findings, want.Findings)
	}
	// The scan of the whole patch text: as a string, the same secrets as
	// from a copy of its bytes, and the redactor masks each.
	before := p.Scanner.DiffSecrets([]byte(diff))
	after := p.Scanner.DiffSecretsString(diff)
	if len(before) < len(leaktest.Kinds()) || !slices.Equal(after, before) {
		t.Fatalf("DiffSecretsString found %d secrets, DiffSecrets %d (want the same, one per kind or more)", len(after), len(before))
	}
	for _, s := range before {
		if got.Redactor.String(s) == s {
			t.Errorf("the redactor leaves a secret of the patch unmasked (%d bytes)", len(s))
		}
	}
}

func equalViolations(a, b []engine.Violation) bool {
	return slices.EqualFunc(a, b, func(x, y engine.Violation) bool {
		return x.Rule == y.Rule && x.Action == y.Action && x.Message == y.Message && x.File == y.File &&
			x.Line == y.Line && x.Severity == y.Severity && slices.Equal(x.Controls, y.Controls)
	})
}
