package policies_test

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/engine/patch"
	"github.com/gov-policy/gov/engine/policytest"
	"github.com/gov-policy/gov/policies"
)

// libraryBundle is a bundle whose policies are the library's modules and
// whose cases are testdata/library/cases, with the patches of
// testdata/library/patches and testdata/patches under cases/patches/ (as in
// bundles/default). It turns
// the engine's own copy of the library off so that it is loaded once.
func libraryBundle(t testing.TB) *bundles.Bundle {
	t.Helper()
	fsys := fstest.MapFS{"gov.cue": {Data: []byte("library: enabled: false\n")}}
	for name, src := range policies.Library() {
		fsys["policies/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	for dir, into := range map[string]string{
		"../testdata/library/cases":   "cases",
		"../testdata/library/patches": "cases/patches",
		"../testdata/patches":         "cases/patches",
	} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			fsys[path.Join(into, e.Name())] = &fstest.MapFile{Data: data}
		}
	}
	b, err := bundles.LoadFS(fsys, "testdata/library", "", "test")
	if err != nil {
		t.Fatalf("load library bundle: %v", err)
	}
	return b
}

// TestLibraryCases evaluates the realistic patches of testdata/library with
// the whole library and checks each case's decision and rules.
func TestLibraryCases(t *testing.T) {
	rep, err := policytest.Run(context.Background(), libraryBundle(t), policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases", len(rep.Cases))
	if len(rep.Cases) < 15 {
		t.Errorf("ran %d cases, want at least 15", len(rep.Cases))
	}
	for _, c := range rep.Cases {
		if !c.Pass {
			t.Errorf("%s (%s): got %s, want %s: %v", c.File, c.Name, c.Got, c.Want, c.Problems)
		}
	}
}

// BenchmarkLibrary is one decision with the whole library on the ~500-line
// patch of testdata/patches/large-500.diff (input building included).
func BenchmarkLibrary(b *testing.B) {
	diff, err := os.ReadFile("../testdata/patches/large-500.diff")
	if err != nil {
		b.Fatal(err)
	}
	p, err := patch.Parse(diff)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	eng, err := engine.New(ctx, libraryBundle(b))
	if err != nil {
		b.Fatal(err)
	}
	in := engine.Input{Request: engine.Request{Environment: "production", ServiceName: "billing", PatchContent: string(diff)}, Patch: p}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
