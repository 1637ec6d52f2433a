package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

// ruleInfo describes one Rego rule (head) that produces violations.
type ruleInfo struct {
	id       string // METADATA custom.id, "" when absent
	pkg      string // gov.starter.protected
	action   string
	file     string
	line     int
	severity string
	controls []string
}

// policyPackage is one package under gov.* that produces violations or
// overrides the risk level.
type policyPackage struct {
	name         string  // gov.starter.protected
	path         ast.Ref // data.gov.starter.protected
	builtin      bool
	actions      map[string]bool
	riskOverride bool
	// defaults describe the package's complete (non-contains) action rules,
	// whose elements cannot be attributed to one rule head.
	defaults map[string]ruleInfo
	// gate is the package's applies_to (see gate), nil when any of its
	// modules (modules counts them, gated those with one) declares none.
	gate           *gate
	modules, gated int
	files          []string
	// library holds when every module of the package is the built-in
	// library's; omitted when such a package was left out of the compiled
	// program because it does not apply to the one patch it is for.
	library, omitted bool
}

// program is the compiled Rego of one bundle plus the built-in modules.
type program struct {
	compiler *ast.Compiler
	rules    []ruleInfo // indexed by the "__rule" of rewritten heads
	packages []*policyPackage
	// skipped are built-in packages left out because they cannot fire.
	skipped []string
}

// optionalBuiltin names the package of a built-in module that may be left
// out (see emptyBuiltin).
func optionalBuiltin(file string) (string, bool) {
	switch file {
	case "builtin/rules.rego":
		return "gov.builtin.rules", true
	case "builtin/environment.rego":
		return "gov.builtin.environment", true
	}
	return "", false
}

// compileProgram parses the bundle's modules and the built-in ones with
// METADATA, rewrites every violation rule head for attribution and compiles
// them together.
//
// Attribution: each `deny|require_approval|warn contains X` head becomes
// `contains {"__rule": N, "value": X}`, N indexing program.rules (the rule's
// METADATA, file and line), so that several rules of one package with
// different METADATA are told apart after one query. count(deny) and
// `deny` truthiness elsewhere keep working; only policies that look inside
// another rule's elements (`"x" in deny`) would see the wrapper. Tests are
// never compiled this way: gov test runs the modules unchanged.
func compileProgram(b *bundles.Bundle, only *patch.Patch) (*program, error) {
	p := &program{}
	embedded, err := bundles.ParsedEmbedded()
	if err != nil {
		return nil, err
	}
	var srcs []source
	for _, file := range slices.Sorted(maps.Keys(b.Modules)) {
		srcs = append(srcs, source{file: file, text: b.Modules[file], parsed: b.Parsed[file]})
	}
	builtin := policies.Builtin()
	for _, file := range slices.Sorted(maps.Keys(builtin)) {
		// A built-in package that cannot fire for this bundle is not even
		// compiled (compiling is most of a short gov eval); New still lists
		// it as checked.
		if pkg, ok := optionalBuiltin(file); ok && emptyBuiltin(pkg, b) {
			p.skipped = append(p.skipped, pkg)
			continue
		}
		srcs = append(srcs, source{file: file, origin: originBuiltin, parsed: embedded[file]})
	}
	// The built-in policy library is part of every bundle unless gov.cue
	// turns it off; its families read their tuning from data.gov.config.library.
	if b.Config.Library.Enabled {
		for _, file := range slices.Sorted(maps.Keys(policies.Library())) {
			srcs = append(srcs, source{file: file, origin: originLibrary, parsed: embedded[file]})
		}
	}
	parsed, err := parseModules(srcs)
	if err != nil {
		return nil, err
	}
	modules := map[string]*ast.Module{}
	byName := map[string]*policyPackage{}
	for i, src := range srcs {
		m, file := parsed[i], src.file
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		builtin := src.origin == originBuiltin
		if !builtin && (pkg == "gov.builtin" || strings.HasPrefix(pkg, "gov.builtin.")) {
			return nil, fmt.Errorf("%s:%d: package %s is reserved for gov's built-in modules", file, m.Package.Location.Row, pkg)
		}
		pp := byName[pkg]
		if pp == nil {
			pp = &policyPackage{name: pkg, path: m.Package.Path, builtin: builtin, library: true, actions: map[string]bool{}, defaults: map[string]ruleInfo{}}
			byName[pkg] = pp
		}
		pp.library = pp.library && src.origin == originLibrary
		pp.files = append(pp.files, file)
		if err := p.attribute(m, file, pp); err != nil {
			return nil, err
		}
		g, err := moduleGate(m, file)
		if err != nil {
			return nil, err
		}
		pp.modules++
		if g != nil {
			pp.gated++
			pp.gate = g // OPA allows one package annotation per package
		}
		modules[file] = m
	}
	for _, pp := range byName {
		if pp.gated < pp.modules {
			pp.gate = nil
		}
	}
	for i, src := range srcs {
		if err := foreignRules(parsed[i], src.file, byName); err != nil {
			return nil, err
		}
	}
	if only != nil {
		omitLibraryPackages(byName, modules, only)
	}
	p.compiler = ast.NewCompiler()
	if p.compiler.Compile(modules); p.compiler.Failed() {
		return nil, regoErr("", p.compiler.Errors)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		pp := byName[name]
		if strings.HasPrefix(name, "gov.") && (len(pp.actions) > 0 || pp.riskOverride) {
			p.packages = append(p.packages, pp)
		}
	}
	return p, nil
}

// attribute records the metadata of every violation rule of m and rewrites
// its head (see compileProgram).
func (p *program) attribute(m *ast.Module, file string, pp *policyPackage) error {
	as, errs := ast.BuildAnnotationSet([]*ast.Module{m})
	if len(errs) > 0 {
		return regoErr(file, errs)
	}
	for _, r := range m.Rules {
		name := r.Head.Name.String()
		if len(r.Head.Reference) > 0 {
			name = r.Head.Reference[0].String()
		}
		if name == "risk_level" && !pp.builtin {
			pp.riskOverride = true
		}
		if name != Deny && name != RequireApproval && name != Warn {
			continue
		}
		pp.actions[name] = true
		info := metadata(as, m, file, r, name)
		info.pkg, info.action, info.file, info.line = pp.name, name, file, r.Location.Row
		if r.Head.RuleKind() != ast.MultiValue || len(r.Head.Reference) != 1 || r.Head.Key == nil {
			if _, ok := pp.defaults[name]; !ok {
				pp.defaults[name] = info
			}
			continue
		}
		key := r.Head.Key
		tag := ast.IntNumberTerm(len(p.rules)).SetLocation(key.Location)
		r.Head.Key = ast.ObjectTerm(
			[2]*ast.Term{ast.StringTerm("__rule").SetLocation(key.Location), tag},
			[2]*ast.Term{ast.StringTerm("value").SetLocation(key.Location), key},
		).SetLocation(key.Location)
		p.rules = append(p.rules, info)
	}
	return nil
}

// metadata is what evaluation needs of a rule's METADATA (see
// bundles.RegoRuleInfo): custom.id ("" when absent, so that an object's id
// can stand in), severity and controls.
func metadata(as *ast.AnnotationSet, m *ast.Module, file string, r *ast.Rule, name string) ruleInfo {
	ri := bundles.RegoRuleInfo(as, m, file, r, name)
	info := ruleInfo{severity: ri.Severity, controls: ri.Controls}
	if ri.ID != ri.Package+"."+name {
		info.id = ri.ID
	}
	return info
}

// regoErr makes one line "file:row: code: message" of a parse or compile
// error, noting how many more there are.
func regoErr(file string, err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return fmt.Errorf("%s: %w", file, err)
	}
	sort.SliceStable(errs, func(i, j int) bool { return locLess(errs[i].Location, errs[j].Location) })
	e := errs[0]
	where := file
	if e.Location != nil {
		where = fmt.Sprintf("%s:%d", e.Location.File, e.Location.Row)
	}
	msg := fmt.Sprintf("%s: %s: %s", where, e.Code, strings.ReplaceAll(e.Message, "\n", " "))
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return &RegoError{msg: msg, Errs: errs}
}

// RegoError is a Rego parse or compile error; its message is one line
// naming the first error's file and row.
type RegoError struct {
	msg  string
	Errs ast.Errors
}

func (e *RegoError) Error() string { return e.msg }

// Unwrap returns the underlying OPA errors.
func (e *RegoError) Unwrap() error { return e.Errs }

func locLess(a, b *ast.Location) bool {
	if a == nil || b == nil {
		return b != nil
	}
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Row < b.Row
}
