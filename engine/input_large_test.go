package engine

import (
	"fmt"
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
	got, err := patchValue(p)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ast.InterfaceToValue(p.Input())
	if err != nil {
		t.Fatal(err)
	}
	if got.Compare(want) != 0 {
		t.Error("patchValue differs from patch.Patch.Input on the parsed patch")
	}
	last := p.Files[199].Added[29]
	if last.Line != 629 || last.Text != "    new_29 = f(199) \u00e9" {
		t.Errorf("last added line %+v", last)
	}
}
