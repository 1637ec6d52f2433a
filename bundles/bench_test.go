package bundles

import (
	"maps"
	"testing"

	"github.com/gov-policy/gov/policies"
)

// BenchmarkParseEmbedded is what ParsedEmbedded does once per process:
// parse gov's built-in modules and the whole library on every CPU.
func BenchmarkParseEmbedded(b *testing.B) {
	srcs := policies.Builtin()
	maps.Copy(srcs, policies.Library())
	for b.Loop() {
		if _, err := parseAll(srcs); err != nil {
			b.Fatal(err)
		}
	}
}

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
