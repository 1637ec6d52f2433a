package bundles

import (
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/gov-policy/gov/policies"
)

// embeddedModule is one of gov's embedded modules, parsed on first use
// (once per process): a bundle with the library off, or a patch that the
// library's gated packages are not about, never parses what it does not
// compile (parsing the whole library was most of a short gov eval).
type embeddedModule struct {
	src  string
	once sync.Once
	m    *ast.Module
	err  error
}

func (e *embeddedModule) parse(name string) (*ast.Module, error) {
	e.once.Do(func() {
		// Decoded from the parse made at build time when it is of this
		// very source (see embeddedAST), else parsed.
		if e.m = decodeModule(embeddedAST(), name, e.src); e.m == nil {
			e.m, e.err = parseRego(name, e.src)
		}
	})
	return e.m, e.err
}

var embeddedModules = sync.OnceValue(func() map[string]*embeddedModule {
	srcs := policies.Builtin()
	maps.Copy(srcs, policies.Library())
	out := make(map[string]*embeddedModule, len(srcs))
	for name, src := range srcs {
		out[name] = &embeddedModule{src: src}
	}
	return out
})

// ParsedEmbedded returns gov's built-in modules and its policy library
// (tests excluded) by the paths of policies.Builtin and policies.Library,
// parsed (rego.v1, with METADATA) once per process. The engine, the rule
// catalog and the OPA bundle builder share them: copy a module
// (Module.Copy) before changing it.
func ParsedEmbedded() (map[string]*ast.Module, error) {
	return ParsedEmbeddedFiles(slices.Collect(maps.Keys(embeddedModules())))
}

// ParsedEmbeddedFiles is ParsedEmbedded for the named modules only; a name
// that is not an embedded module is left out of the result.
func ParsedEmbeddedFiles(names []string) (map[string]*ast.Module, error) {
	return parseEach(embeddedModules(), names)
}

// parseEach parses the named modules of all (a module parsed before is
// only looked up) on every CPU: parsing is a third of compiling the
// library. The error is the first file's by path.
func parseEach(all map[string]*embeddedModule, names []string) (map[string]*ast.Module, error) {
	names = slices.Compact(slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(names), func(n string) bool { return all[n] == nil }))))
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
				mods[i], errs[i] = all[names[i]].parse(names[i])
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
