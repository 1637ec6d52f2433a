package engine

import (
	"testing"

	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestPatchValueMatchesInput keeps the direct OPA conversion in step with
// patch.Patch.Input, the documented shape of input.patch.
func TestPatchValueMatchesInput(t *testing.T) {
	content := "a: 1\n"
	cases := []struct {
		name string
		p    *patch.Patch
	}{
		{"empty", mkPatch()},
		{"plain", mkPatch(modified("a.go", added(1, "x", "y")...), deleted("b_test.go"))},
		{"all fields", mkPatch(patch.File{
			Path: "k8s/app.yaml", OldPath: "k8s/old.yaml", Status: patch.StatusRenamed, Language: "yaml",
			Binary: false, Added: added(700, "a: 1"), NewContent: &content,
			Parsed: map[string]any{"a": 1, "list": []any{"x", true, nil, 2.5}}, ParseError: "",
		}, patch.File{Path: "img.png", Status: patch.StatusAdded, Binary: true, ParseError: "binary"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := patchValue(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ast.InterfaceToValue(tc.p.Input())
			if err != nil {
				t.Fatal(err)
			}
			if got.Compare(want) != 0 {
				t.Errorf("patchValue\n got %v\nwant %v", got, want)
			}
		})
	}
}
