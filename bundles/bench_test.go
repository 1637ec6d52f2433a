package bundles

import (
	"testing"
)

func BenchmarkLoadEmbedded(b *testing.B) {
	for b.Loop() {
		if _, err := LoadEmbedded(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadGitRef loads a bundle with Rego from a tag of a local
// repository, as `gov eval --bundle .gov@v2` does.
func BenchmarkLoadGitRef(b *testing.B) {
	r, _ := policyRepo(b)
	opts := LoadOptions{WorkDir: r.Dir}
	for b.Loop() {
		if _, err := Load(b.Context(), ".gov@HEAD", opts); err != nil {
			b.Fatal(err)
		}
	}
}
