package engine

import (
	"slices"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestPackageRefAsParsed: the package refs built without the parser are
// the parser's, for every package of the library index and names that are
// not plain identifiers (those are parsed).
func TestPackageRefAsParsed(t *testing.T) {
	names := []string{"gov", "gov.x_1", "gov.lib._a.B9", "gov.lib.some", "gov[\"a-b\"]", "gov.a.b.c.d"}
	for _, e := range libraryIndex {
		names = append(names, e.pkg)
	}
	for _, name := range names {
		want := ast.MustParseRef("data." + name)
		if got := packageRef(name); !got.Equal(want) || got.String() != want.String() {
			t.Errorf("packageRef(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRuleHasPrefixAsRef: ruleHasPrefix answers as r.Ref().HasPrefix for
// every rule of gov's modules against every prefix of every rule's and
// package's ref (and a few that differ only in the head's name or kind).
func TestRuleHasPrefixAsRef(t *testing.T) {
	mods, err := bundles.ParsedEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []ast.Ref
	var rules []*ast.Rule
	for _, m := range mods {
		for _, r := range m.Rules {
			rules = append(rules, r)
			full := r.Ref()
			for i := 1; i <= len(full); i++ {
				prefixes = append(prefixes, full[:i])
			}
			// The head's name as a variable does not match (Extend makes it a string).
			v := slices.Clone(full)
			v[len(m.Package.Path)] = ast.VarTerm(string(r.Head.Ref()[0].Value.(ast.Var)))
			prefixes = append(prefixes, v, append(slices.Clone(full), ast.StringTerm("more")))
		}
	}
	matched := 0
	for _, r := range rules {
		for _, p := range prefixes {
			want := r.Ref().HasPrefix(p)
			if got := ruleHasPrefix(r, p); got != want {
				t.Fatalf("ruleHasPrefix(%v, %v) = %v, want %v", r.Ref(), p, got, want)
			}
			if want {
				matched++
			}
		}
	}
	if matched < len(rules) {
		t.Fatalf("only %d matches over %d rules: the comparison did not exercise matching prefixes", matched, len(rules))
	}
}

// TestSharedParsesUnchanged: building engines (whole library, for one
// patch, and the modules gov test reads) leaves gov's shared parses as
// parsed, though modules rename does not touch are compiled without a copy
// of their own: a second engine in the same process (gov serve, simulate's
// candidate and baseline) must see the modules as written.
func TestSharedParsesUnchanged(t *testing.T) {
	mods, err := bundles.ParsedEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	rules := map[string]int{}
	for file, m := range mods {
		before[file], rules[file] = m.String(), len(m.Rules)
	}
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	py, _ := parseDiff(t, "../testdata/patches/python-null-check.diff")
	ctx := t.Context()
	for range 2 {
		if _, err := New(ctx, embedded); err != nil {
			t.Fatal(err)
		}
		if _, err := NewFor(ctx, embedded, py); err != nil {
			t.Fatal(err)
		}
		if _, err := Modules(embedded); err != nil {
			t.Fatal(err)
		}
	}
	shared := 0
	for file, m := range mods {
		if m.String() != before[file] || len(m.Rules) != rules[file] {
			t.Errorf("%s: the shared parse changed while building engines", file)
		}
		if !renames(m) {
			shared++
		}
	}
	if shared == 0 {
		t.Fatal("no module is compiled without a copy: the test exercises nothing")
	}
}
