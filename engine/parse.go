package engine

import (
	"fmt"
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
	// unparsed marks a library module left out for the one patch an
	// engine is for, known from libraryIndex only (see unparsedLibrary).
	unparsed bool
}

// parseEmbedded sets the parse of each built-in and library source
// (bundles.ParsedEmbeddedFiles: only these are parsed, once per process).
func parseEmbedded(srcs []source) error {
	var names []string
	for _, src := range srcs {
		if src.origin != originBundle && !src.unparsed && src.parsed == nil {
			names = append(names, src.file)
		}
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

// parseModules returns each source's module: a copy of its parse when it
// has one (bundles parse every module they load), else parsed from text
// (bundles built by hand).
func parseModules(srcs []source) ([]*ast.Module, error) {
	mods := make([]*ast.Module, len(srcs))
	for i, src := range srcs {
		if src.unparsed {
			continue
		}
		if src.parsed != nil {
			mods[i] = src.parsed.Copy()
			continue
		}
		m, err := ast.ParseModuleWithOpts(src.file, src.text, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return nil, regoErr(src.file, err)
		}
		if m == nil {
			return nil, fmt.Errorf("%s: empty module (no package)", src.file)
		}
		mods[i] = m
	}
	return mods, nil
}

// omitLibraryPackages drops from modules the built-in library's gated
// packages that do not apply to p and that no kept module refers to (an
// engine for one patch, as gov eval builds, compiles about half the
// library for a one-language patch). The library compiles on its own (its
// tests), so leaving a package out hides no error of the bundle's.
func omitLibraryPackages(byName map[string]*policyPackage, modules map[string]*ast.Module, p *patch.Patch) {
	candidates := map[string]*policyPackage{}
	for name, pp := range byName {
		if pp.library && pp.gate != nil && !pp.gate.applies(p) {
			candidates[name] = pp
		}
	}
	// A candidate that a kept module refers to is kept, which may keep others.
	for changed := true; changed; {
		changed = false
		for _, m := range modules {
			if owner := candidates[strings.TrimPrefix(m.Package.Path.String(), "data.")]; owner != nil {
				continue
			}
			for name, pp := range candidates {
				if refersTo(m, pp.path) {
					delete(candidates, name)
					changed = true
				}
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

// refersTo reports whether m may read the package at target (data.gov.x):
// an import or reference under it, or a reference with a variable before it
// could get there (data.gov[x]).
func refersTo(m *ast.Module, target ast.Ref) bool {
	found := false
	check := func(r ast.Ref) {
		if found || len(r) == 0 || !r[0].Equal(ast.DefaultRootDocument) {
			return
		}
		prefix := r.ConstantPrefix()
		if len(prefix) < len(r) && target.HasPrefix(prefix) {
			found = true // data.gov[x] may be the package
			return
		}
		found = r.HasPrefix(target) || (len(r) < len(target) && target.HasPrefix(r))
	}
	for _, imp := range m.Imports {
		if r, ok := imp.Path.Value.(ast.Ref); ok {
			check(r)
		}
	}
	ast.WalkRefs(m, func(r ast.Ref) bool {
		check(r)
		return found
	})
	return found
}
