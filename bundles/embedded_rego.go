package bundles

import (
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/gov-policy/gov/policies"
)

var parsedEmbedded = sync.OnceValues(func() (map[string]*ast.Module, error) {
	srcs := policies.Builtin()
	maps.Copy(srcs, policies.Library())
	return parseAll(srcs)
})

// ParsedEmbedded returns gov's built-in modules and its policy library
// (tests excluded) by the paths of policies.Builtin and policies.Library,
// parsed (rego.v1, with METADATA) once per process. The engine, the rule
// catalog and the OPA bundle builder share them: copy a module
// (Module.Copy) before changing it.
func ParsedEmbedded() (map[string]*ast.Module, error) {
	mods, err := parsedEmbedded()
	return maps.Clone(mods), err
}

// parseAll parses files (path -> source) on every CPU (parsing is a third
// of compiling the library); the error is the first file's by path.
func parseAll(files map[string]string) (map[string]*ast.Module, error) {
	names := slices.Sorted(maps.Keys(files))
	mods := make([]*ast.Module, len(names))
	errs := make([]error, len(names))
	next := make(chan int, len(names))
	for i := range names {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for i := range next {
				mods[i], errs[i] = parseRego(names[i], files[names[i]])
			}
		})
	}
	wg.Wait()
	out := make(map[string]*ast.Module, len(names))
	for i, name := range names {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[name] = mods[i]
	}
	return out, nil
}
