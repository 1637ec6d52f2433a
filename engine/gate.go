package engine

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gov-policy/gov/engine/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// gate is a package's promise, in its package-scoped METADATA, about which
// patches its rules can fire on:
//
//	# METADATA
//	# scope: package
//	# custom:
//	#   applies_to:
//	#     languages: ["python"]
//	#     paths: ["**/requirements*.txt"]
//
// The package's deny, require_approval, warn and risk_level are evaluated
// only when some changed file has one of the languages or a path (or old
// path) matching one of the globs; otherwise they are not queried at all,
// which is most of the cost of a package on a patch it is not about. The
// promise is the author's: a rule that fires on other files is simply not
// evaluated for them. The built-in library's gates are checked against
// ungated evaluation by TestLibraryGates.
type gate struct {
	languages []string
	paths     []pathGlob
}

// applies reports whether p has a file the gate names.
func (g *gate) applies(p *patch.Patch) bool {
	if p == nil {
		return false
	}
	for i := range p.Files {
		f := &p.Files[i]
		if slices.Contains(g.languages, f.Language) || anyGlob(g.paths, f.Path) || (f.OldPath != "" && anyGlob(g.paths, f.OldPath)) {
			return true
		}
	}
	return false
}

// moduleGate reads custom.applies_to of m's package-scoped METADATA; nil
// when there is none.
func moduleGate(m *ast.Module, file string) (*gate, error) {
	for _, a := range m.Annotations {
		if a.Scope != "package" {
			continue
		}
		v, ok := a.Custom["applies_to"]
		if !ok {
			continue
		}
		where := file
		if a.Location != nil {
			where = fmt.Sprintf("%s:%d", file, a.Location.Row)
		}
		spec, ok := v.(map[string]any)
		if !ok || len(spec) == 0 {
			return nil, fmt.Errorf("%s: METADATA custom.applies_to: want an object with languages and/or paths", where)
		}
		g := &gate{}
		for _, key := range slices.Sorted(maps.Keys(spec)) {
			list, err := stringItems(spec[key])
			if err != nil {
				return nil, fmt.Errorf("%s: METADATA custom.applies_to.%s: %w", where, key, err)
			}
			switch key {
			case "languages":
				g.languages = list
			case "paths":
				if g.paths, err = compilePathGlobs(list); err != nil {
					return nil, fmt.Errorf("%s: METADATA custom.applies_to.paths: %w", where, err)
				}
			default:
				return nil, fmt.Errorf("%s: METADATA custom.applies_to: unknown key %q (want languages or paths)", where, key)
			}
		}
		return g, nil
	}
	return nil, nil
}

// stringItems is a non-empty list of non-empty strings.
func stringItems(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("want a non-empty list of strings")
	}
	out := make([]string, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("item %d: want a non-empty string, got %v", i, x)
		}
		out[i] = s
	}
	return out, nil
}
