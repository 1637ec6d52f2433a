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
	hidden   string // the rule's name after rename (__gov_deny_3), "" if not renamed
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
	// heads index program.rules by action: the package's `contains` rules
	// of that action, each queried on its own (see attribute); empty when
	// the action's set is queried whole.
	heads map[string][]int
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
	rules    []ruleInfo // every renamed `contains` rule (see rename)
	pending  []pendingRule
	packages []*policyPackage
	// skipped are built-in packages left out because they cannot fire.
	skipped []string
	// embeddedOnly holds when every compiled module is gov's own (built-in
	// or library, none of the bundle's): see skippedStages.
	embeddedOnly bool
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
// METADATA, renames every violation rule for attribution (see attribute)
// and compiles them together.
func compileProgram(b *bundles.Bundle, only *patch.Patch) (*program, error) {
	p, modules, err := buildProgram(b, only, false)
	if err != nil {
		return nil, err
	}
	p.compiler = newCompiler(p.embeddedOnly)
	if p.compiler.Compile(modules); p.compiler.Failed() {
		return nil, regoErr("", p.compiler.Errors)
	}
	return p, nil
}

// Modules returns the modules gov eval compiles for b, as it compiles them
// (violation rules renamed, see attribute), every built-in module included:
// gov test runs the bundle's tests against exactly this program.
func Modules(b *bundles.Bundle) (map[string]*ast.Module, error) {
	_, modules, err := buildProgram(b, nil, true)
	return modules, err
}

// buildProgram is compileProgram before compiling: the program's packages
// and rules and the modules by file. allBuiltins keeps the built-in
// modules that cannot fire for b (their tests read them).
func buildProgram(b *bundles.Bundle, only *patch.Patch, allBuiltins bool) (*program, map[string]*ast.Module, error) {
	return buildIndexed(b, only, allBuiltins, indexedLibrary())
}

// buildIndexed is buildProgram with idx, the library index (see
// unparsedLibrary; nil parses every library module).
func buildIndexed(b *bundles.Bundle, only *patch.Patch, allBuiltins bool, idx map[string]libraryModule) (*program, map[string]*ast.Module, error) {
	p := &program{embeddedOnly: true}
	var err error
	var srcs []source
	for _, file := range slices.Sorted(maps.Keys(b.Modules)) {
		srcs = append(srcs, source{file: file, text: b.Modules[file], parsed: b.Parsed[file]})
	}
	builtin := policies.Builtin()
	for _, file := range slices.Sorted(maps.Keys(builtin)) {
		// A built-in package that cannot fire for this bundle is not even
		// compiled (compiling is most of a short gov eval); New still lists
		// it as checked.
		if pkg, ok := optionalBuiltin(file); ok && !allBuiltins && emptyBuiltin(pkg, b) {
			p.skipped = append(p.skipped, pkg)
			continue
		}
		srcs = append(srcs, source{file: file, origin: originBuiltin})
	}
	// The built-in policy library is part of every bundle unless gov.cue
	// turns it off; its families read their tuning from data.gov.config.library.
	if b.Config.Library.Enabled {
		for _, file := range slices.Sorted(maps.Keys(policies.Library())) {
			srcs = append(srcs, source{file: file, origin: originLibrary})
		}
	}
	if only != nil && b.Config.Library.Enabled && idx != nil {
		err = unparsedLibrary(srcs, idx, only, parseSources)
	} else {
		err = parseSources(srcs)
	}
	if err != nil {
		return nil, nil, err
	}
	parsed, err := parseModules(srcs, !allBuiltins)
	if err != nil {
		return nil, nil, err
	}
	modules := map[string]*ast.Module{}
	byName := map[string]*policyPackage{}
	for i, src := range srcs {
		if src.unparsed {
			if err := indexedPackage(byName, idx[src.file], src.file); err != nil {
				return nil, nil, err
			}
			continue
		}
		m, file := parsed[i], src.file
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		builtin := src.origin == originBuiltin
		p.embeddedOnly = p.embeddedOnly && src.origin != originBundle
		if !builtin && (pkg == "gov.builtin" || strings.HasPrefix(pkg, "gov.builtin.")) {
			return nil, nil, fmt.Errorf("%s:%d: package %s is reserved for gov's built-in modules", file, m.Package.Location.Row, pkg)
		}
		pp := byName[pkg]
		if pp == nil {
			pp = &policyPackage{name: pkg, path: m.Package.Path, builtin: builtin, library: true, actions: map[string]bool{}, defaults: map[string]ruleInfo{}, heads: map[string][]int{}}
			byName[pkg] = pp
		}
		pp.library = pp.library && src.origin == originLibrary
		pp.files = append(pp.files, file)
		if err := p.attribute(m, file, pp); err != nil {
			return nil, nil, err
		}
		g, err := moduleGate(m, file)
		if err != nil {
			return nil, nil, err
		}
		pp.modules++
		if g != nil {
			pp.gated++
			pp.gate = g // OPA allows one package annotation per package
		}
		modules[file] = m
	}
	p.rename()
	for _, pp := range byName {
		if pp.gated < pp.modules {
			pp.gate = nil
		}
	}
	for i, src := range srcs {
		if src.unparsed {
			continue
		}
		if err := foreignRules(parsed[i], src.file, byName); err != nil {
			return nil, nil, err
		}
	}
	if only != nil {
		omitLibraryPackages(byName, modules, only)
		if err := checkUnparsed(srcs, idx, byName); err != nil {
			return nil, nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		pp := byName[name]
		if strings.HasPrefix(name, "gov.") && (len(pp.actions) > 0 || pp.riskOverride) {
			p.packages = append(p.packages, pp)
		}
	}
	return p, modules, nil
}

// attribute records the metadata of every violation rule of m; simple
// `contains` rules are set aside for rename.
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
		if name != ActionDeny && name != ActionRequireApproval && name != ActionWarn {
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
		p.pending = append(p.pending, pendingRule{m: m, r: r, pp: pp, info: info})
	}
	return nil
}

// pendingRule is a `deny|require_approval|warn contains X` rule awaiting rename.
type pendingRule struct {
	m    *ast.Module
	r    *ast.Rule
	pp   *policyPackage
	info ruleInfo
}

// rename attributes results without changing what any policy sees: each
// `deny contains X if BODY` becomes `__gov_deny_N contains X if BODY`
// (N indexing program.rules: its METADATA, file and line), queried on its
// own, and `deny contains x if data.<pkg>.__gov_deny_N[x]` takes its place,
// so that data.<pkg>.deny holds exactly the values the author wrote, as
// under OPA and gov test (a policy may read another package's set by
// value). An action with a rule of another form (a complete `deny := ...`)
// is left as written and queried whole.
func (p *program) rename() {
	for _, pr := range p.pending {
		action := pr.info.action
		if _, whole := pr.pp.defaults[action]; whole {
			continue
		}
		n := len(p.rules)
		hidden := fmt.Sprintf("__gov_%s_%d", action, n)
		pr.info.hidden = hidden
		p.rules = append(p.rules, pr.info)
		pr.pp.heads[action] = append(pr.pp.heads[action], n)
		r := pr.r
		// The added rule is gov's, not the author's: its location names the
		// rule it stands for but not the file, so that coverage does not
		// count the author's line as run when only gov's rule was.
		loc := &ast.Location{Row: r.Location.Row, Col: r.Location.Col, File: "gov:" + pr.info.file, Text: r.Location.Text}
		r.Head.Name = ast.Var(hidden)
		r.Head.Reference = ast.Ref{ast.VarTerm(hidden).SetLocation(r.Head.Reference[0].Location)}
		x := ast.VarTerm("x").SetLocation(loc)
		ref := append(pr.pp.path.Copy(), ast.StringTerm(hidden).SetLocation(loc), x)
		head := &ast.Head{Name: ast.Var(action), Reference: ast.Ref{ast.VarTerm(action).SetLocation(loc)}, Key: x, Location: loc}
		// x is declared (some x): a rule of the package named x would
		// otherwise stand for it, and the set would hold only that value.
		some := ast.NewExpr(&ast.SomeDecl{Symbols: []*ast.Term{x}, Location: loc}).SetLocation(loc)
		body := ast.NewBody(some, ast.NewExpr(ast.RefTerm(ref...).SetLocation(loc)).SetLocation(loc))
		pr.m.Rules = append(pr.m.Rules, &ast.Rule{Head: head, Body: body, Location: loc, Module: pr.m})
	}
	p.pending = nil
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
