package policies_test

import (
	"context"
	"os"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/engine/policytest"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
)

// TestLibraryCases runs the embedded default bundle's cases (realistic
// patches under bundles/default/cases) with the whole library, as
// `gov test embedded` does, and checks each case's decision and rules.
func TestLibraryCases(t *testing.T) {
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	if !b.Config.Library.Enabled {
		t.Fatal("the embedded bundle must enable the library")
	}
	rep, err := policytest.Run(context.Background(), b, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Cases) < 20 {
		t.Errorf("ran %d cases, want at least 20", len(rep.Cases))
	}
	for _, c := range rep.Cases {
		if !c.Pass {
			t.Errorf("%s (%s): got %s, want %s: %v", c.File, c.Name, c.Got, c.Want, c.Problems)
		}
	}
}

// BenchmarkLibrary is one decision as `gov eval` makes it with the embedded
// bundle (whole library) on the ~500-line testdata/patches/large-500.diff:
// the secret scan of the patch, building the input and evaluating.
func BenchmarkLibrary(b *testing.B) {
	diff, err := os.ReadFile("../testdata/patches/large-500.diff")
	if err != nil {
		b.Fatal(err)
	}
	p, err := patch.Parse(diff)
	if err != nil {
		b.Fatal(err)
	}
	bundle, err := bundles.LoadEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	eng, err := engine.New(ctx, bundle)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := scan.New(scan.Config{Exclude: bundle.Config.Scanner.Exclude})
	if err != nil {
		b.Fatal(err)
	}
	req := engine.Request{Environment: "production", ServiceName: "billing", PatchContent: string(diff)}
	b.ReportAllocs()
	for b.Loop() {
		in := engine.Input{Request: req, Patch: p, Findings: scan.PolicyFindings(sc.ScanPatch(p))}
		if _, err := eng.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
