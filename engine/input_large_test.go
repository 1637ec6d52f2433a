package engine

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestPatchValueOfParsedLargePatch: on a mid-size patch parsed from one
// string (line texts are substrings of it), the input built directly as
// OPA values equals the one converted from patch.Patch.Input, the
// documented shape, line for line.
func TestPatchValueOfParsedLargePatch(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		name := fmt.Sprintf("svc/handler_%d.py", i)
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n@@ -1,31 +600,31 @@\n", name, name, name, name)
		for l := range 30 {
			fmt.Fprintf(&b, "-    old_%d = f(%d)\r\n", l, i)
			fmt.Fprintf(&b, "+    new_%d = f(%d) \u00e9\n", l, i)
		}
		b.WriteString(" context\n")
	}
	p, err := patch.ParseString(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if p.Stats.Additions != 6000 || p.Stats.Deletions != 6000 {
		t.Fatalf("stats %+v, want 6000 added and removed lines", p.Stats)
	}
	patchValueAsInput(t, p)
	last := p.Files[199].Added[29]
	if last.Line != 629 || last.Text != "    new_29 = f(199) \u00e9" {
		t.Errorf("last added line %+v", last)
	}
}

// TestPatchValueSharedLineTerms: line numbers past OPA's interned integers
// and empty lines share one term each across the files of a patch; every
// line still reads its own number and text (checked against the
// documented shape), and a line number far past the patch's size is not
// cached (a small patch cannot make the cache grow to its line number).
func TestPatchValueSharedLineTerms(t *testing.T) {
	var b strings.Builder
	for i := range 3 {
		name := fmt.Sprintf("gen/big_%d.go", i)
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -700,2 +700,300 @@\n-old %d\n-\n", name, name, name, name, i)
		for l := range 300 {
			if l%3 == 1 {
				b.WriteString("+\n")
			} else {
				fmt.Fprintf(&b, "+new %d %d\n", i, l)
			}
		}
	}
	b.WriteString("diff --git a/far.go b/far.go\n--- a/far.go\n+++ b/far.go\n@@ -9999990 +9999990 @@\n-x\n+y\n")
	p, err := patch.ParseString(b.String())
	if err != nil {
		t.Fatal(err)
	}
	got := patchValueAsInput(t, p)
	line := func(file, i int) ast.Object {
		files := got.(ast.Object).Get(ast.StringTerm("files")).Value.(*ast.Array)
		added := files.Elem(file).Value.(ast.Object).Get(ast.StringTerm("added")).Value.(*ast.Array)
		return added.Elem(i).Value.(ast.Object)
	}
	a, c := line(0, 200), line(2, 200)
	if a.Get(ast.StringTerm("line")) != c.Get(ast.StringTerm("line")) || a.Get(ast.StringTerm("line")).Value.Compare(ast.Number("900")) != 0 {
		t.Errorf("line 900 of two files: %v and %v, want one shared term", a, c)
	}
	if a, c := line(0, 1), line(1, 4); a.Get(ast.StringTerm("text")) != c.Get(ast.StringTerm("text")) {
		t.Errorf("empty lines %v and %v, want one shared text term", a, c)
	}
	nums := newLineNumbers(p)
	if v := nums.term(9999990).Value; v.Compare(ast.Number("9999990")) != 0 {
		t.Errorf("far line number reads %v", v)
	}
	if len(nums.terms) != 0 || nums.limit != 3*302+2 {
		t.Errorf("line number cache holds %d entries (limit %d) after a line number past the patch's size", len(nums.terms), nums.limit)
	}
}

// BenchmarkPatchInput is the cost of input.patch per added or removed line
// (B/line): a patch of 50 files of 200 removed and 200 added lines, at the
// top of the files (line numbers OPA interns) and past line 5,000.
func BenchmarkPatchInput(b *testing.B) {
	for _, c := range []struct {
		start int
		drop  bool
	}{{1, false}, {5001, false}, {1, true}} {
		start := c.start
		name := fmt.Sprintf("from-line-%d", start)
		if c.drop {
			name += "-removed-left-out" // B/line still per added and removed line
		}
		b.Run(name, func(b *testing.B) {
			var sb strings.Builder
			for i := range 50 {
				name := fmt.Sprintf("svc/handler_%d.py", i)
				fmt.Fprintf(&sb, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -%d,200 +%d,200 @@\n", name, name, name, name, start, start)
				for l := range 200 {
					fmt.Fprintf(&sb, "-    value_%d = compute(record, %d)  # old behaviour of handler %d\n", l, l, i)
				}
				for l := range 200 {
					fmt.Fprintf(&sb, "+    value_%d = compute(record, %d) if record is not None else None  # handler %d\n", l, l, i)
				}
			}
			p, err := patch.ParseString(sb.String())
			if err != nil {
				b.Fatal(err)
			}
			lines := float64(p.Stats.Additions + p.Stats.Deletions)
			k := newInputKeys()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				if _, err := k.patchFor(p, c.drop); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/lines, "B/line")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/lines, "allocs/line")
		})
	}
}

// patchValueAsInput is patchValue(p), which must equal the conversion of
// the documented input (p.Input()) term for term.
func patchValueAsInput(t *testing.T, p *patch.Patch) ast.Value {
	t.Helper()
	got, err := patchValue(p)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ast.InterfaceToValue(p.Input())
	if err != nil {
		t.Fatal(err)
	}
	if got.Compare(want) != 0 {
		t.Fatal("patchValue differs from patch.Patch.Input on the parsed patch")
	}
	return got
}
