package engine

import (
	"context"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
)

// BenchmarkNew is the cost of preparing a bundle (compile its Rego,
// prepare the query) before the first decision: the embedded bundle with
// the whole library, the same for one Python patch as gov eval prepares it
// (NewFor: the library packages about other languages, CI and manifests
// are not compiled), and the starter bundle. gov's own modules are parsed
// once per process (bundles.ParsedEmbedded, BenchmarkParseEmbedded) and
// copied here; a process pays that parse once on top.
func BenchmarkNew(b *testing.B) {
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	py, _ := parseDiff(b, "../testdata/patches/python-null-check.diff")
	for _, bc := range []struct {
		name   string
		bundle *bundles.Bundle
		only   *patch.Patch
	}{{"embedded", embedded, nil}, {"embedded-for-python", embedded, py}, {"starter", starterBundle(b), nil}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := newEngine(context.Background(), bc.bundle, true, bc.only); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPrepareQuery is preparing the whole library's query alone (the
// program already compiled), as New does once and gov serve and simulate
// do again for each combination of gated packages a patch leaves out.
func BenchmarkPrepareQuery(b *testing.B) {
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	e := mustEngine(b, embedded)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.queries.prepare(ctx, 0); err != nil {
			b.Fatal(err)
		}
	}
}
