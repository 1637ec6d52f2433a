package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

//go:generate go test ../bundles -run TestEmbeddedASTCurrent -update-ast
//go:generate go test -run TestLibraryIndexCurrent -update-libindex .

// libraryModule is what an engine for one patch (NewFor) needs to know of
// a library module whose package it leaves out, without parsing it: its
// package, its applies_to and which sets it defines. libraryIndex
// (libindex_gen.go, written by go generate and checked against the parsed
// library by TestLibraryIndexCurrent) holds one per module with the
// digest of the source it was made from; an entry whose digest does not
// match the embedded source is not used (the module is parsed).
type libraryModule struct {
	digest    string // sha256 of the source, hex
	pkg       string // gov.lib.code.python
	languages []string
	paths     []string // applies_to; both nil when the module has none
	actions   []string // the deny, require_approval and warn it defines
	risk      bool     // it defines risk_level
	dotted    bool     // a rule with a dotted name (it may reach into another package)
}

// indexModule derives m's entry, as the generator writes it.
func indexModule(m *ast.Module, file, src string) (libraryModule, error) {
	e := libraryModule{digest: digest(src), pkg: strings.TrimPrefix(m.Package.Path.String(), "data.")}
	g, err := moduleGate(m, file)
	if err != nil {
		return e, err
	}
	if g != nil {
		e.languages = slices.Clone(g.languages)
		for _, p := range g.paths {
			e.paths = append(e.paths, p.pattern)
		}
	}
	for _, r := range m.Rules {
		for _, t := range r.Head.Ref()[1:] {
			if _, ok := t.Value.(ast.String); ok {
				e.dotted = true // a.b := ..., not a partial rule's key a[x]
			}
		}
		name := r.Head.Name.String()
		if len(r.Head.Reference) > 0 {
			name = r.Head.Reference[0].String()
		}
		switch name {
		case ActionDeny, ActionRequireApproval, ActionWarn:
			if !slices.Contains(e.actions, name) {
				e.actions = append(e.actions, name)
			}
		case "risk_level":
			e.risk = true
		}
	}
	slices.Sort(e.actions)
	return e, nil
}

func digest(src string) string {
	sum := sha256.Sum256([]byte(src))
	return hex.EncodeToString(sum[:])
}

// indexedLibrary is libraryIndex checked against the embedded library.
var indexedLibrary = sync.OnceValue(func() map[string]libraryModule {
	return matchIndex(libraryIndex, policies.Library())
})

// matchIndex is index restricted to lib (path -> source): nil, so that
// every library module is parsed as without an index, when a module is
// missing from it, its digest does not match the source (an index older or
// newer than the library: never trusted), or a module has a dotted rule.
func matchIndex(index map[string]libraryModule, lib map[string]string) map[string]libraryModule {
	out := make(map[string]libraryModule, len(lib))
	for file, src := range lib {
		e, ok := index[file]
		if !ok || e.dotted || e.digest != digest(src) {
			return nil
		}
		out[file] = e
	}
	return out
}

// unparsedLibrary marks the library sources an engine for patch p need not
// parse: the modules of gated library packages that do not apply to p and
// that nothing parsed refers to, reaches into or shares a package with
// (the cases where omitLibraryPackages would keep them). parse parses the
// sources not marked; it is called again for modules found to be needed.
func unparsedLibrary(srcs []source, idx map[string]libraryModule, p *patch.Patch, parse func([]source) error) error {
	byPkg := map[string][]int{} // candidate package -> its sources
	if idx != nil {
		for i, src := range srcs {
			if src.origin == originLibrary {
				byPkg[idx[src.file].pkg] = append(byPkg[idx[src.file].pkg], i)
			}
		}
	}
	for pkg, files := range byPkg {
		if !candidatePackage(pkg, files, srcs, idx, p) {
			delete(byPkg, pkg)
		}
	}
	paths := make(map[string]ast.Ref, len(byPkg))
	for pkg, files := range byPkg {
		paths[pkg] = packageRef(pkg)
		for _, i := range files {
			srcs[i].unparsed = true
		}
	}
	if err := parse(srcs); err != nil {
		return err
	}
	// A candidate that a parsed module shares a package with, is a parent
	// package of, or refers to is needed after all; parsing it may make
	// others needed. Each parsed module is looked at once.
	walked := make([]bool, len(srcs))
	for changed := true; changed; {
		changed = false
		for i, src := range srcs {
			if walked[i] || src.unparsed || src.parsed == nil {
				continue
			}
			walked[i] = true
			for pkg := range reaches(src.parsed, paths) {
				for _, j := range byPkg[pkg] {
					srcs[j].unparsed = false
				}
				delete(byPkg, pkg)
				delete(paths, pkg)
				changed = true
			}
		}
		if changed {
			if err := parse(srcs); err != nil {
				return err
			}
		}
	}
	return nil
}

// reaches returns the candidate packages (paths by name) that m is in or
// below, defines a rule under (a dotted name) or may read: those are
// compiled and not gated (see foreignRules and omitLibraryPackages).
func reaches(m *ast.Module, paths map[string]ast.Ref) map[string]bool {
	found := refersToAny(m, paths)
	for pkg, path := range paths {
		if m.Package.Path.HasPrefix(path) {
			found[pkg] = true
		}
		for _, r := range m.Rules {
			if ruleHasPrefix(r, path) {
				found[pkg] = true
			}
		}
	}
	return found
}

// candidatePackage reports whether the library package pkg (its sources
// are files) may be left unparsed for p: no other library package below
// it, and either a helper (no module of it defines an action or
// risk_level) or every module of it gated, the gate not applying to p.
func candidatePackage(pkg string, files []int, srcs []source, idx map[string]libraryModule, p *patch.Patch) bool {
	for _, e := range idx {
		if strings.HasPrefix(e.pkg, pkg+".") {
			return false // a subpackage ungates it (foreignRules)
		}
	}
	helper, gated := true, true
	for _, i := range files {
		e := idx[srcs[i].file]
		helper = helper && len(e.actions) == 0 && !e.risk
		gated = gated && (e.languages != nil || e.paths != nil)
	}
	if helper {
		return true
	}
	if !gated {
		return false
	}
	g, err := indexGate(idx[srcs[files[len(files)-1]].file])
	return err == nil && !g.applies(p)
}

// indexGate compiles an entry's applies_to.
func indexGate(e libraryModule) (*gate, error) {
	paths, err := compilePathGlobs(e.paths)
	if err != nil {
		return nil, err
	}
	return &gate{languages: e.languages, paths: paths}, nil
}

// indexedPackage adds an unparsed library module to its package in byName
// as buildProgram adds a parsed one: its actions, risk override and gate.
func indexedPackage(byName map[string]*policyPackage, e libraryModule, file string) error {
	g, err := indexGate(e)
	if err != nil {
		return fmt.Errorf("%s: METADATA custom.applies_to.paths: %w", file, err)
	}
	pp := byName[e.pkg]
	if pp == nil {
		pp = &policyPackage{name: e.pkg, path: packageRef(e.pkg), library: true, actions: map[string]bool{}, defaults: map[string]ruleInfo{}, heads: map[string][]int{}}
		byName[e.pkg] = pp
	}
	pp.files = append(pp.files, file)
	for _, a := range e.actions {
		pp.actions[a] = true
	}
	pp.riskOverride = pp.riskOverride || e.risk
	pp.modules++
	if e.languages != nil || e.paths != nil { // a helper may have none
		pp.gated++
		pp.gate = g
	}
	return nil
}

// checkUnparsed fails (closed) if a package with an unparsed module was
// not left out after all: it would be queried without its rules.
func checkUnparsed(srcs []source, idx map[string]libraryModule, byName map[string]*policyPackage) error {
	for _, src := range srcs {
		if src.unparsed {
			if pp := byName[idx[src.file].pkg]; pp == nil || !pp.omitted {
				return fmt.Errorf("engine: library module %s was not parsed but is needed", src.file)
			}
		}
	}
	return nil
}

// packageRef is ast.MustParseRef("data." + pkg) for a package name of
// plain identifiers (gov.lib.code.python), built without the parser, which
// was a visible part of a short gov eval; any other name is parsed.
func packageRef(pkg string) ast.Ref {
	parts := strings.Split(pkg, ".")
	ref := make(ast.Ref, 0, len(parts)+1)
	ref = append(ref, ast.VarTerm("data"))
	for _, s := range parts {
		if !plainIdent(s) {
			return ast.MustParseRef("data." + pkg)
		}
		ref = append(ref, ast.StringTerm(s))
	}
	return ref
}

// plainIdent reports whether s is a Rego identifier that is not a keyword.
func plainIdent(s string) bool {
	if s == "" || ast.IsKeyword(s) {
		return false
	}
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ruleHasPrefix is r.Ref().HasPrefix(p) without building r.Ref() (its
// package path extended by its head's reference, the head's first
// variable as a string), which allocated for every rule and package
// compared.
func ruleHasPrefix(r *ast.Rule, p ast.Ref) bool {
	own, head := r.Module.Package.Path, r.Head.Ref()
	if len(p) > len(own)+len(head) {
		return false
	}
	for i, t := range p {
		switch {
		case i < len(own):
			if !own[i].Equal(t) {
				return false
			}
		case i == len(own):
			v, ok := head[0].Value.(ast.Var)
			if !ok {
				return r.Ref().HasPrefix(p) // as OPA has it (it panics)
			}
			if s, ok := t.Value.(ast.String); !ok || string(s) != string(v) {
				return false
			}
		default:
			if !head[i-len(own)].Equal(t) {
				return false
			}
		}
	}
	return true
}
