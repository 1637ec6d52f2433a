package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gov-policy/gov/patch"
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
		if slices.Contains(g.languages, f.Language) || fileMatches(g.paths, f) {
			return true
		}
	}
	return false
}

// moduleGate reads custom.applies_to of m's package-scoped METADATA; nil
// when there is none.
func moduleGate(m *ast.Module, file string) (*gate, error) {
	for _, a := range m.Annotations {
		v, ok := a.Custom["applies_to"]
		if !ok {
			continue
		}
		where := file
		if a.Location != nil {
			where = fmt.Sprintf("%s:%d", file, a.Location.Row)
		}
		if a.Scope != "package" {
			return nil, fmt.Errorf("%s: METADATA custom.applies_to needs scope: package (it is %s)", where, a.Scope)
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

// actionNames are the rules the engine queries in each package.
var actionNames = map[string]bool{ActionDeny: true, ActionRequireApproval: true, ActionWarn: true, "risk_level": true}

// foreignRules refuses a violation rule defined through a dotted rule name
// (package gov.a with `b.deny contains ...` adds to data.gov.a.b.deny, which
// the engine would neither attribute nor always query) and ungates a gated
// package that another module adds rules to (with a dotted name or as a
// subpackage): its applies_to speaks only for its own modules.
func foreignRules(m *ast.Module, file string, byName map[string]*policyPackage) error {
	own := m.Package.Path
	for _, r := range m.Rules {
		hr := r.Head.Ref()
		if len(hr) < 2 {
			continue
		}
		for _, t := range hr[1:] {
			if s, ok := t.Value.(ast.String); ok && actionNames[string(s)] {
				full := r.Ref()
				return fmt.Errorf("%s:%d: rule %s: define %s in its own package (package %s), not through a dotted rule name",
					file, r.Location.Row, hr, string(s), strings.TrimPrefix(full[:len(full)-1].String(), "data."))
			}
		}
	}
	for _, pp := range byName {
		if pp.gate == nil {
			continue
		}
		if own.Equal(pp.path) {
			continue
		}
		if own.HasPrefix(pp.path) {
			pp.gate = nil // a subpackage
			continue
		}
		for _, r := range m.Rules {
			if ruleHasPrefix(r, pp.path) {
				pp.gate = nil // a dotted rule name reaching into it
				break
			}
		}
	}
	return nil
}
