package engine

import (
	"sync"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestAttackA17ConcurrentSharedParses: engines built at the same time (gov
// serve answering several bundles or patches at once) read gov's shared
// parses, uncopied where rename leaves them alone, while OPA's compile
// copies them; run under -race, any write to a shared parse is reported,
// and every shared parse must still print as parsed afterwards.
func TestAttackA17ConcurrentSharedParses(t *testing.T) {
	mods, err := bundles.ParsedEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	for file, m := range mods {
		before[file] = m.String()
	}
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	py, _ := parseDiff(t, "../testdata/patches/python-null-check.diff")
	goPatch, _ := parseDiff(t, "../testdata/patches/go-error-handling.diff")
	authored := starterBundle(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Go(func() {
			var err error
			switch g {
			case 0:
				_, err = NewFor(ctx, embedded, py)
			case 1:
				_, err = NewFor(ctx, authored, goPatch)
			case 2:
				_, err = New(ctx, embedded)
			default:
				_, err = Modules(authored)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for file, m := range mods {
		if m.String() != before[file] {
			t.Errorf("%s: a shared parse changed while engines were built", file)
		}
	}
}

// TestAttackA17RuleHasPrefixAuthoredRefs: ruleHasPrefix answers as
// r.Ref().HasPrefix for rules a bundle author may write to reach into a
// gated library package (dotted, quoted, with variables, under another
// spelling of the package), so that foreignRules and reaches neither
// miss nor invent such a rule.
func TestAttackA17RuleHasPrefixAuthoredRefs(t *testing.T) {
	src := `package gov.lib

code.python.x := 1
code["python"].y := 2
code[k].z := 3 if k := "python"
code.python[k] := 4 if k := "w"
code := {"python": 5} if false
f(x) := x
default code.python.d := 6
`
	quoted := `package gov["lib"].code

python.q := 7
python[k].r := 8 if k := "a"
`
	var rules []*ast.Rule
	for file, s := range map[string]string{"a.rego": src, "b.rego": quoted} {
		m, err := ast.ParseModuleWithOpts(file, s, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		rules = append(rules, m.Rules...)
	}
	if len(rules) < 5 {
		t.Fatalf("only %d rules parsed", len(rules))
	}
	prefixes := []ast.Ref{
		packageRef("gov.lib.code.python"), packageRef("gov.lib.code"), packageRef("gov.lib"),
		ast.MustParseRef(`data.gov.lib.code["python"]`), ast.MustParseRef("data.gov.lib.code[x]"),
		ast.MustParseRef("data.gov.lib.code.python.x"), ast.MustParseRef("data.gov.lib.code.python.x.more"),
		ast.MustParseRef("data.gov.lib[x]"), ast.MustParseRef("data.gov[\"lib.code\"]"),
	}
	matched := 0
	for _, r := range rules {
		for _, p := range prefixes {
			want := r.Ref().HasPrefix(p)
			if got := ruleHasPrefix(r, p); got != want {
				t.Errorf("ruleHasPrefix(%v, %v) = %v, want %v", r.Ref(), p, got, want)
			}
			if want {
				matched++
			}
		}
	}
	if matched == 0 {
		t.Fatal("no rule matched any prefix: the test exercises nothing")
	}
}
