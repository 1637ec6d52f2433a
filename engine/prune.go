package engine

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Whether a program can read the removed lines of a patch's files.
//
// On a very large patch most of the input is its line objects, and half of
// them are removed lines that few rules look at. removedUnread answers, from
// the compiled modules, whether any rule can observe input.patch.files[_].
// removed (its members, its length, its being there); when none can, the
// input is built with every file's removed as the empty array.
//
// The memo's read analysis (planMemo) keeps a reference's part up to its
// first non-constant key, so input.patch.files[_].removed keeps all files;
// it cannot answer this. This one follows values taken from input through
// array elements (a wildcard key), local variables, function parameters,
// array literals and array comprehensions. It errs one way: a value from
// input used in any way it does not follow counts as read whole:
//   - any builtin call's arguments (count, walk, json.marshal, equal, ...),
//     except object.get with a constant key or path;
//   - a key of an object taken by a variable (key enumeration) or anything
//     other than a constant key, on a part not known to be an array;
//   - elements of sets and keys and values of objects built from it (sets
//     deduplicate and objects compare values of equal keys), and every rule's
//     value, key and head (OPA compares the outputs of a rule or function);
//   - a variable bound in more than one place (the second binding compares);
//   - a function parameter that is not a plain variable (a pattern);
//   - a term used as an expression on its own (its truth is a read);
//   - destructuring of an input value (object and array patterns);
//   - any `with` in the modules, and any import of input: everything is read.
//
// Iterating a part known to be an array (input.patch.files, a file's added
// and removed, input.findings) reads its length: iterating removed counts
// as reading it.

// removedPath is the part the analysis is asked about.
var removedPath = []string{"patch", "files", "*", "removed"}

// knownArrays are the parts of input that are arrays whatever the request:
// iterating one with a variable key reads only its length and elements.
var knownArrays = map[string]bool{
	"patch\x00files":                 true,
	"patch\x00files\x00*\x00added":   true,
	"patch\x00files\x00*\x00removed": true,
	"findings":                       true,
}

const maxDepth = 16

// absVal is one value a term may hold: the input at path (keys, "*" for
// any key, "#n" for the number n), wrapped in depth levels of arrays or
// objects built by the policy.
type absVal struct {
	path  string // keys joined by \x00
	depth int
}

type readAnalysis struct {
	env    map[string]map[absVal]bool // module file \x00 var -> values
	defs   map[string]int             // how many places bind each variable
	fns    map[string][]*ast.Rule     // functions by path
	fnFile map[*ast.Rule]string       // the module file of each function
	// whole are the parts read whole; touched those whose presence or
	// length is read (a reference stepping into them).
	whole, touched map[string]bool
	all            bool // input read whole
	changed        bool
	file           string
	at             *ast.Expr         // the expression being followed
	atRule         *ast.Rule         // the rule being followed
	why            map[string]string // where each part was first read whole
}

// removedUnread reports whether no rule of modules can read
// input.patch.files[_].removed.
func removedUnread(modules map[string]*ast.Module) (unread bool) {
	defer func() {
		if recover() != nil {
			unread = false // a form the analysis does not know: build everything
		}
	}()
	a := analyseReads(modules)
	return !a.reads(removedPath)
}

func analyseReads(modules map[string]*ast.Module) *readAnalysis {
	a := &readAnalysis{
		env: map[string]map[absVal]bool{}, defs: map[string]int{}, fns: map[string][]*ast.Rule{},
		fnFile: map[*ast.Rule]string{}, whole: map[string]bool{}, touched: map[string]bool{}, why: map[string]string{},
	}
	files := slices.Sorted(maps.Keys(modules))
	for _, file := range files {
		m := modules[file]
		for _, imp := range m.Imports {
			if ref, ok := imp.Path.Value.(ast.Ref); ok && ref.HasPrefix(ast.InputRootRef) {
				a.all = true
			}
		}
		ast.WalkRules(m, func(r *ast.Rule) bool {
			if r.Module == nil {
				a.all = true // Ref would panic; nothing is followed
				return true
			}
			if len(r.Head.Args) > 0 {
				p := r.Ref().String()
				a.fns[p] = append(a.fns[p], r)
				a.fnFile[r] = file
			}
			return false
		})
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			if len(x.With) > 0 {
				a.all = true
			}
			return false
		})
	}
	for _, file := range files { // after every function is known (their arities)
		a.file = file
		a.countDefs(modules[file])
	}
	if a.all {
		return a
	}
	for {
		a.changed = false
		for _, file := range files {
			a.file = file
			ast.WalkRules(modules[file], func(r *ast.Rule) bool {
				a.rule(r)
				return false
			})
		}
		if !a.changed || a.all {
			return a
		}
	}
}

// reads reports whether target (keys, "*" any) may be read.
func (a *readAnalysis) reads(target []string) bool {
	if a.all {
		return true
	}
	for p := range a.whole {
		r := splitPath(p)
		if prefixOf(r, target) || prefixOf(target, r) {
			return true
		}
	}
	for p := range a.touched {
		if prefixOf(target, splitPath(p)) {
			return true
		}
	}
	return false
}

// readBy says where target is read ("" when it is not): the first place
// found reading a part holding it whole, or the part whose presence or
// length is read.
func (a *readAnalysis) readBy(target []string) string {
	if a.all {
		return "input read whole"
	}
	for _, p := range slices.Sorted(maps.Keys(a.whole)) {
		r := splitPath(p)
		if prefixOf(r, target) || prefixOf(target, r) {
			return a.why[p]
		}
	}
	for _, p := range slices.Sorted(maps.Keys(a.touched)) {
		if prefixOf(target, splitPath(p)) {
			return "input." + strings.ReplaceAll(p, "\x00", ".") + " referenced"
		}
	}
	return ""
}

func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, "\x00")
}

// prefixOf: every key of a matches the key of b at its place.
func prefixOf(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && a[i] != "*" && b[i] != "*" {
			return false
		}
	}
	return true
}

func join(p string, k string) string {
	if p == "" {
		return k
	}
	return p + "\x00" + k
}

func (a *readAnalysis) key(v ast.Var) string { return a.file + "\x00" + string(v) }

// countDefs counts the places binding each variable: equality sides,
// call outputs, reference keys, function parameters, every's key and value.
func (a *readAnalysis) countDefs(m *ast.Module) {
	// A function's else branches repeat its parameters: a variable counts
	// as often as it occurs in one head's parameters (same(x, x) binds x
	// twice: its arguments are compared).
	for _, r := range m.Rules {
		params := map[ast.Var]int{}
		for e := r; e != nil; e = e.Else {
			n := map[ast.Var]int{}
			for _, arg := range e.Head.Args {
				ast.WalkVars(arg, func(v ast.Var) bool { n[v]++; return false })
			}
			for v, c := range n {
				params[v] = max(params[v], c)
			}
		}
		for v, c := range params {
			a.defs[a.key(v)] += c
		}
	}
	ast.WalkExprs(m, func(x *ast.Expr) bool {
		switch {
		case x.IsEquality():
			for _, t := range x.Operands() {
				a.countPattern(t)
			}
		case x.IsCall():
			// The last argument is an output when there is one more than
			// the operator's arity (unknown operators: counted).
			ops := x.Operands()
			arity := -1
			name := x.Operator().String()
			if fns := a.fns[name]; len(fns) > 0 {
				arity = len(fns[0].Head.Args)
			} else if b, ok := ast.BuiltinMap[name]; ok && b.Decl != nil {
				arity = b.Decl.Arity()
			}
			if len(ops) > 0 && len(ops) != arity {
				if v, ok := ops[len(ops)-1].Value.(ast.Var); ok {
					a.defs[a.key(v)]++
				}
			}
		case x.IsEvery():
			ev := x.Terms.(*ast.Every)
			for _, t := range []*ast.Term{ev.Key, ev.Value} {
				if t != nil {
					a.countPattern(t)
				}
			}
		}
		return false
	})
	ast.WalkRefs(m, func(r ast.Ref) bool {
		for _, k := range r[1:] {
			if v, ok := k.Value.(ast.Var); ok {
				a.defs[a.key(v)]++
			}
		}
		return false
	})
}

// countPattern counts the variables t binds as a pattern: itself, or the
// elements of an array or values of an object (reference keys are counted
// with the references).
func (a *readAnalysis) countPattern(t *ast.Term) {
	switch v := t.Value.(type) {
	case ast.Var:
		a.defs[a.key(v)]++
	case *ast.Array:
		v.Foreach(a.countPattern)
	case ast.Object:
		v.Foreach(func(_, e *ast.Term) { a.countPattern(e) })
	}
}

func (a *readAnalysis) readAll() {
	if !a.all {
		a.all, a.changed = true, true
	}
}

func (a *readAnalysis) readWhole(vals map[absVal]bool) {
	for v := range vals {
		if v.path == "" {
			a.readAll()
			return
		}
		if !a.whole[v.path] {
			a.whole[v.path], a.changed = true, true
			switch {
			case a.at != nil:
				a.why[v.path] = a.at.Location.String() + ": " + a.at.String()
			case a.atRule != nil:
				a.why[v.path] = a.atRule.Location.String() + ": the value of " + a.atRule.Head.String()
			}
		}
	}
}

func (a *readAnalysis) touch(p string) {
	if !a.touched[p] {
		a.touched[p], a.changed = true, true
	}
}

// bind adds vals to variable v; a variable bound in more than one place
// compares, so what it holds is read whole.
func (a *readAnalysis) bind(v ast.Var, vals map[absVal]bool) {
	if len(vals) == 0 {
		return
	}
	k := a.key(v)
	if a.defs[k] > 1 {
		a.readWhole(vals)
		a.readWhole(a.env[k])
		return
	}
	cur := a.env[k]
	if cur == nil {
		cur = map[absVal]bool{}
		a.env[k] = cur
	}
	for x := range vals {
		if !cur[x] {
			cur[x], a.changed = true, true
		}
	}
}

func (a *readAnalysis) rule(r *ast.Rule) {
	for ; r != nil; r = r.Else {
		a.atRule = r
		a.body(r.Body)
		// Rule values, keys and head references are compared by OPA.
		if r.Head.Value != nil {
			a.readWhole(a.term(r.Head.Value))
		}
		if r.Head.Key != nil {
			a.readWhole(a.term(r.Head.Key))
		}
		for _, t := range r.Head.Reference[1:] {
			a.readWhole(a.term(t))
		}
	}
}

func (a *readAnalysis) body(b ast.Body) {
	for _, x := range b {
		a.expr(x)
	}
}

func (a *readAnalysis) expr(x *ast.Expr) {
	saved := a.at
	a.at = x
	defer func() { a.at = saved }()
	if len(x.With) > 0 {
		a.readAll() // what replaces a document or function is not followed
	}
	switch {
	case x.IsEquality():
		ops := x.Operands()
		a.unify(ops[0], ops[1])
	case x.IsEvery():
		ev := x.Terms.(*ast.Every)
		dom := a.term(ev.Domain)
		elems := a.elements(dom)
		if ev.Value != nil {
			a.unifyVals(ev.Value, elems)
		}
		if ev.Key != nil {
			a.readWhole(a.term(ev.Key))
		}
		a.body(ev.Body)
	case x.IsCall():
		a.call(x.Terms.([]*ast.Term)[0], x.Operands())
	default:
		switch t := x.Terms.(type) {
		case *ast.Term:
			a.readWhole(a.term(t))
		case *ast.SomeDecl:
			for _, s := range t.Symbols {
				a.readWhole(a.term(s))
			}
		default:
			a.readAll() // a form not known here
		}
	}
}

// elements are the values iterating vals yields.
func (a *readAnalysis) elements(vals map[absVal]bool) map[absVal]bool {
	out := map[absVal]bool{}
	for v := range vals {
		if v.depth > 0 {
			out[absVal{v.path, v.depth - 1}] = true
			continue
		}
		if !knownArrays[v.path] {
			a.readWhole(map[absVal]bool{v: true})
			continue
		}
		p := join(v.path, "*")
		a.touch(p)
		out[absVal{p, 0}] = true
	}
	return out
}

// unify follows l = r: a variable side takes the other's values; array and
// object patterns take the elements of built values; anything else
// compares, reading both whole.
func (a *readAnalysis) unify(l, r *ast.Term) {
	if _, ok := l.Value.(ast.Var); !ok {
		if _, ok := r.Value.(ast.Var); ok {
			l, r = r, l
		}
	}
	if v, ok := l.Value.(ast.Var); ok {
		if w, ok := r.Value.(ast.Var); ok {
			a.bind(w, a.term(l))
		}
		a.bind(v, a.term(r))
		return
	}
	if isPattern(l) && !isPattern(r) {
		a.unifyVals(l, a.term(r))
		return
	}
	if isPattern(r) && !isPattern(l) {
		a.unifyVals(r, a.term(l))
		return
	}
	a.readWhole(a.term(l))
	a.readWhole(a.term(r))
}

func isPattern(t *ast.Term) bool {
	switch t.Value.(type) {
	case *ast.Array, ast.Object:
		return true
	}
	return false
}

// unifyVals binds pattern t (a variable, array or object of them) to vals.
func (a *readAnalysis) unifyVals(t *ast.Term, vals map[absVal]bool) {
	switch p := t.Value.(type) {
	case ast.Var:
		a.bind(p, vals)
		return
	case *ast.Array, ast.Object:
		inner := map[absVal]bool{}
		for v := range vals {
			if v.depth == 0 {
				a.readWhole(map[absVal]bool{v: true}) // an input value matched against a pattern
				continue
			}
			inner[absVal{v.path, v.depth - 1}] = true
		}
		if arr, ok := p.(*ast.Array); ok {
			arr.Foreach(func(e *ast.Term) { a.unifyVals(e, inner) })
			return
		}
		p.(ast.Object).Foreach(func(k, e *ast.Term) {
			a.readWhole(a.term(k))
			a.unifyVals(e, inner)
		})
		return
	}
	a.readWhole(vals)
	a.readWhole(a.term(t))
}

// call follows a builtin or function call; args may end with its output.
func (a *readAnalysis) call(op *ast.Term, args []*ast.Term) {
	ref, ok := op.Value.(ast.Ref)
	if !ok {
		a.readAll()
		return
	}
	name := ref.String()
	if fns := a.fns[name]; len(fns) > 0 {
		for _, f := range fns {
			for i, p := range f.Head.Args {
				if i >= len(args) {
					break
				}
				vals := a.term(args[i])
				if v, ok := p.Value.(ast.Var); ok && a.defs[a.fileOf(f)+"\x00"+string(v)] <= 1 {
					saved := a.file
					a.file = a.fileOf(f)
					a.bind(v, vals)
					a.file = saved
					continue
				}
				a.readWhole(vals)
			}
		}
		// The output takes the function's value, read whole at its head.
		for i := len(fns[0].Head.Args); i < len(args); i++ {
			a.readWhole(a.term(args[i]))
		}
		return
	}
	if strings.HasPrefix(name, "data.") {
		a.readAll() // a function not found here
		return
	}
	if name == "object.get" && len(args) >= 3 {
		if out, ok := a.objectGet(args); ok {
			if len(args) == 4 {
				if v, ok := args[3].Value.(ast.Var); ok {
					a.bind(v, out)
					return
				}
				a.readWhole(a.term(args[3]))
			}
			a.readWhole(out) // a value not bound to a variable: not followed
			return
		}
	}
	if name == "count" && len(args) >= 1 {
		// The count of a known array is its length; of a value built by
		// the policy, its own size (a set of input values is read whole
		// where it is built).
		for v := range a.term(args[0]) {
			switch {
			case v.depth > 0:
			case knownArrays[v.path]:
				a.touch(v.path)
			default:
				a.readWhole(map[absVal]bool{v: true})
			}
		}
		for _, t := range args[1:] {
			a.readWhole(a.term(t))
		}
		return
	}
	for _, t := range args {
		a.readWhole(a.term(t))
	}
}

// objectGet is object.get(x, key or path, default[, out]) with a constant
// key or path on input values; ok false when it cannot follow it.
func (a *readAnalysis) objectGet(args []*ast.Term) (map[absVal]bool, bool) {
	var keys []string
	switch k := args[1].Value.(type) {
	case ast.String:
		keys = []string{string(k)}
	case *ast.Array:
		for i := range k.Len() {
			s, ok := constKey(k.Elem(i))
			if !ok {
				return nil, false
			}
			keys = append(keys, s)
		}
	default:
		return nil, false
	}
	base := a.term(args[0])
	out := map[absVal]bool{}
	for v := range base {
		if v.depth > 0 {
			a.readWhole(map[absVal]bool{v: true})
			continue
		}
		p := v.path
		for _, k := range keys {
			p = join(p, k)
			a.touch(p)
		}
		out[absVal{p, 0}] = true
	}
	maps.Copy(out, a.term(args[2]))
	return out, true
}

func constKey(t *ast.Term) (string, bool) {
	switch k := t.Value.(type) {
	case ast.String:
		if k == "*" {
			return "", false
		}
		return string(k), true
	case ast.Number:
		return "#" + string(k), true
	}
	return "", false
}

func (a *readAnalysis) fileOf(r *ast.Rule) string { return a.fnFile[r] }

// term is the values t may hold, following its references and bodies.
func (a *readAnalysis) term(t *ast.Term) map[absVal]bool {
	switch v := t.Value.(type) {
	case ast.Var:
		if v.Equal(ast.InputRootDocument.Value) {
			return map[absVal]bool{{"", 0}: true}
		}
		return a.env[a.key(v)]
	case ast.Ref:
		return a.ref(v)
	case *ast.Array:
		out := map[absVal]bool{}
		v.Foreach(func(e *ast.Term) { a.wrap(out, a.term(e)) })
		return out
	case ast.Object:
		out := map[absVal]bool{}
		v.Foreach(func(k, e *ast.Term) {
			if _, ok := k.Value.(ast.String); !ok {
				a.readWhole(a.term(k))
				a.readWhole(a.term(e))
				return
			}
			a.wrap(out, a.term(e))
		})
		return out
	case ast.Set:
		v.Foreach(func(e *ast.Term) { a.readWhole(a.term(e)) })
		return nil
	case *ast.ArrayComprehension:
		a.body(v.Body)
		out := map[absVal]bool{}
		a.wrap(out, a.term(v.Term))
		return out
	case *ast.SetComprehension:
		a.body(v.Body)
		a.readWhole(a.term(v.Term))
		return nil
	case *ast.ObjectComprehension:
		a.body(v.Body)
		a.readWhole(a.term(v.Key))
		a.readWhole(a.term(v.Value))
		return nil
	case ast.Call:
		if len(v) > 0 {
			a.call(v[0], v[1:])
		}
		return nil
	}
	return nil
}

// wrap adds vals one level deeper (inside an array or object) to out.
func (a *readAnalysis) wrap(out, vals map[absVal]bool) {
	for x := range vals {
		if x.depth+1 > maxDepth {
			a.readWhole(map[absVal]bool{x: true})
			continue
		}
		out[absVal{x.path, x.depth + 1}] = true
	}
}

// ref follows a reference: from input or a local, each constant key steps
// into the value; a variable key iterates a known array or a built value
// and reads any other value whole.
func (a *readAnalysis) ref(r ast.Ref) map[absVal]bool {
	var cur map[absVal]bool
	switch h := r[0].Value.(type) {
	case ast.Var:
		if h.Equal(ast.DefaultRootDocument.Value) {
			// Rule values are read whole at their heads; keys into data
			// are followed for the values they hold.
			for _, k := range r[1:] {
				a.readWhole(a.term(k))
			}
			return nil
		}
		cur = a.term(r[0])
	default:
		cur = a.term(r[0])
	}
	for _, k := range r[1:] {
		if len(cur) == 0 {
			a.readWhole(a.term(k))
			continue
		}
		ck, isConst := constKey(k)
		if !isConst {
			a.readWhole(a.term(k))
		}
		next := map[absVal]bool{}
		for v := range cur {
			switch {
			case v.depth > 0:
				next[absVal{v.path, v.depth - 1}] = true
			case isConst:
				p := join(v.path, ck)
				a.touch(p)
				next[absVal{p, 0}] = true
			case knownArrays[v.path]:
				p := join(v.path, "*")
				a.touch(p)
				next[absVal{p, 0}] = true
			default:
				a.readWhole(map[absVal]bool{v: true})
			}
		}
		cur = next
	}
	return cur
}

// pruneState is what removedUnread found for an engine's modules.
type pruneState struct {
	once   sync.Once
	unread bool // no rule can read input.patch.files[_].removed
}

// pruneMinRemoved is the count of removed lines from which the input is
// built without them when no rule can read them: below it building them
// costs less than the analysis (tests set it to 0).
var pruneMinRemoved = 1 << 14

// removedUnread reports, for e's compiled modules, whether no rule can
// read the removed lines (analysed once per engine).
func (e *Engine) removedUnread() bool {
	e.prune.once.Do(func() { e.prune.unread = removedUnread(e.prog.compiler.Modules) })
	return e.prune.unread
}

// input is the input document of in for e's policies: without the removed
// lines when the patch has many and no rule can read them.
func (e *Engine) input(in Input, risk string) (ast.Value, error) {
	drop := false
	if p := in.Patch; p != nil && p.Stats.Deletions >= pruneMinRemoved {
		drop = e.removedUnread()
	}
	return e.keys.inputFor(in, risk, drop)
}
