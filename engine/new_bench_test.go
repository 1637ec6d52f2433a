package engine

import (
	"context"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// BenchmarkNew is the per-process cost of preparing a bundle (parse and
// compile its Rego, prepare the query) before the first decision: the
// embedded bundle with the whole library, and the starter bundle.
func BenchmarkNew(b *testing.B) {
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		bundle *bundles.Bundle
	}{{"embedded", embedded}, {"starter", starterBundle(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := New(context.Background(), bc.bundle); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
