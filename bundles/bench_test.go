package bundles

import (
	"maps"
	"slices"
	"testing"

	"github.com/gov-policy/gov/policies"
)

// BenchmarkParseEmbedded is what ParsedEmbedded does once per process:
// decode gov's built-in modules and the whole library (see embeddedAST)
// on every CPU; BenchmarkParseEmbeddedSources is parsing them instead.
func BenchmarkParseEmbedded(b *testing.B) {
	srcs := policies.Builtin()
	maps.Copy(srcs, policies.Library())
	names := slices.Collect(maps.Keys(srcs))
	for b.Loop() {
		fresh := map[string]*embeddedModule{}
		for name, src := range srcs {
			fresh[name] = &embeddedModule{src: src}
		}
		if _, err := parseEach(fresh, names); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEmbeddedSources(b *testing.B) {
	srcs := policies.Builtin()
	maps.Copy(srcs, policies.Library())
	for b.Loop() {
		for name, src := range srcs {
			if _, err := parseRego(name, src); err != nil {
				b.Fatal(err)
			}
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
