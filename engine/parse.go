package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// origin is where a module comes from.
type origin int

const (
	originBundle origin = iota
	originBuiltin
	originLibrary
)

// source is one module to compile: its text, or its parse by the bundle
// loader or ParsedEmbedded (shared, so copied before the engine rewrites
// it).
type source struct {
	file, text string
	origin     origin
	parsed     *ast.Module
	// owned marks a parse made for this engine alone (a bundle built by
	// hand has text only), which needs no copy.
	owned bool
	// unparsed marks a library module left out for the one patch an
	// engine is for, known from libraryIndex only (see unparsedLibrary).
	unparsed bool
}

// parseSources parses every source that has no parse yet and is not
// marked unparsed: a bundle's module from its text, a built-in or library
// one through bundles.ParsedEmbeddedFiles (only these are parsed, once per
// process).
func parseSources(srcs []source) error {
	var names []string
	for i, src := range srcs {
		if src.unparsed || src.parsed != nil {
			continue
		}
		if src.origin != originBundle {
			names = append(names, src.file)
			continue
		}
		m, err := ast.ParseModuleWithOpts(src.file, src.text, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return regoErr(src.file, err)
		}
		if m == nil {
			return fmt.Errorf("%s: empty module (no package)", src.file)
		}
		srcs[i].parsed, srcs[i].owned = m, true
	}
	embedded, err := bundles.ParsedEmbeddedFiles(names)
	if err != nil {
		return err
	}
	for i := range srcs {
		if m := embedded[srcs[i].file]; m != nil && srcs[i].origin != originBundle {
			srcs[i].parsed = m
		}
	}
	return nil
}

// parseModules returns each source's module (nil for one left unparsed):
// a copy of a shared parse, parseSources' own as it is. With share, a
// shared parse that rename does not change (no rule it renames) is not
// copied either: the caller only reads it, and compiling copies every
// module (copying them was a visible part of a short gov eval).
func parseModules(srcs []source, share bool) ([]*ast.Module, error) {
	mods := make([]*ast.Module, len(srcs))
	for i, src := range srcs {
		switch {
		case src.unparsed:
		case src.parsed == nil:
			return nil, fmt.Errorf("%s: not parsed", src.file)
		case src.owned, share && !renames(src.parsed):
			mods[i] = src.parsed
		default:
			mods[i] = src.parsed.Copy()
		}
	}
	return mods, nil
}

// omitLibraryPackages drops from modules the built-in library's gated
// packages that do not apply to p, and its helper packages (no action, no
// risk level: nothing is queried of them) without a subpackage, that no
// kept module refers to (an engine for one patch, as gov eval builds,
// compiles about half the library for a one-language patch). The library
// compiles on its own (its tests), so leaving a package out hides no error
// of the bundle's.
func omitLibraryPackages(byName map[string]*policyPackage, modules map[string]*ast.Module, p *patch.Patch) {
	candidates := map[string]*policyPackage{}
	for name, pp := range byName {
		if !pp.library {
			continue
		}
		helper := len(pp.actions) == 0 && !pp.riskOverride && !hasSubpackage(name, byName)
		if helper || (pp.gate != nil && !pp.gate.applies(p)) {
			candidates[name] = pp
		}
	}
	// A candidate that a kept module refers to is kept, which may keep
	// others; each kept module is walked once.
	walked := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, file := range slices.Sorted(maps.Keys(modules)) {
			m := modules[file]
			if walked[file] || candidates[strings.TrimPrefix(m.Package.Path.String(), "data.")] != nil {
				continue
			}
			walked[file] = true
			paths := map[string]ast.Ref{}
			for name, pp := range candidates {
				paths[name] = pp.path
			}
			for name := range refersToAny(m, paths) {
				delete(candidates, name)
				changed = true
			}
		}
	}
	for _, pp := range candidates {
		pp.omitted = true
		for _, file := range pp.files {
			delete(modules, file)
		}
	}
}

// hasSubpackage reports whether a package of byName is below pkg.
func hasSubpackage(pkg string, byName map[string]*policyPackage) bool {
	for name := range byName {
		if strings.HasPrefix(name, pkg+".") {
			return true
		}
	}
	return false
}

// refersTo reports whether m may read the package at target (data.gov.x):
// an import or reference under it, or a reference with a variable before it
// could get there (data.gov[x]).
func refersTo(m *ast.Module, target ast.Ref) bool {
	return refersToAny(m, map[string]ast.Ref{"": target})[""]
}

// refersToAny is refersTo for several targets (by name) in one walk of m:
// the names of those m may read.
func refersToAny(m *ast.Module, targets map[string]ast.Ref) map[string]bool {
	found := map[string]bool{}
	check := func(r ast.Ref) {
		if len(r) == 0 || !r[0].Equal(ast.DefaultRootDocument) {
			return
		}
		prefix := r.ConstantPrefix()
		for name, target := range targets {
			if found[name] {
				continue
			}
			if len(prefix) < len(r) && target.HasPrefix(prefix) {
				found[name] = true // data.gov[x] may be the package
				continue
			}
			if r.HasPrefix(target) || (len(r) < len(target) && target.HasPrefix(r)) {
				found[name] = true
			}
		}
	}
	for _, imp := range m.Imports {
		if r, ok := imp.Path.Value.(ast.Ref); ok {
			check(r)
		}
	}
	ast.WalkRefs(m, func(r ast.Ref) bool {
		check(r)
		return len(found) == len(targets)
	})
	return found
}

// renames reports whether m has a rule that attribute sets aside for
// rename, which rewrites it in place: a `deny|require_approval|warn
// contains x` rule.
func renames(m *ast.Module) bool {
	for _, r := range m.Rules {
		name := r.Head.Name.String()
		if len(r.Head.Reference) > 0 {
			name = r.Head.Reference[0].String()
		}
		if (name == ActionDeny || name == ActionRequireApproval || name == ActionWarn) &&
			r.Head.RuleKind() == ast.MultiValue && len(r.Head.Reference) == 1 && r.Head.Key != nil {
			return true
		}
	}
	return false
}
