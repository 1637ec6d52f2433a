package engine

import (
	"context"
	"crypto/sha256"
	"hash"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Memo remembers what an engine's policies produced for an input, so that
// a caller evaluating many recorded requests (gov simulate) evaluates the
// Rego once per distinct input. Only the policies' results are
// remembered: exceptions, enforcement, the workflow and approvals are
// applied to every request again, from its own request and time.
//
// Two inputs count as one when they agree on every part of the input
// document a rule of the engine can read, with the same query (the same
// gates apply) and the same computed risk level. What can be read is
// found from the compiled modules: each reference into input, up to its
// first non-constant key, keeps that part whole; input used whole
// anywhere (a bare input, walk(input), object.get(input, ...), with
// input as ...) keeps everything. request_id and the other request fields
// no rule names therefore do not make inputs differ.
//
// The memo is not used (every request is evaluated) for an engine whose
// modules call a nondeterministic or time-dependent builtin (time.now_ns,
// http.send, rand.intn, io.jwt.decode_verify, ...): their results depend
// on more than the input. Evaluation errors (timeouts included) are never
// remembered. An input being evaluated is evaluated once: others alike
// wait for it (so the count of answers is that of inputs alike, whatever
// the order). Memory is bounded: past max entries, an arbitrary entry is
// dropped for each one added. A Memo is safe for concurrent use and may
// serve several engines.
type Memo struct {
	max          int
	mu           sync.Mutex
	plans        map[*Engine]*memoPlan
	entries      map[memoKey]*memoEntry
	hits, misses atomic.Int64
}

// NewMemo returns a memo holding at most max entries (<= 0: 1<<15).
func NewMemo(max int) *Memo {
	if max <= 0 {
		max = 1 << 15
	}
	return &Memo{max: max, plans: map[*Engine]*memoPlan{}, entries: map[memoKey]*memoEntry{}}
}

// Stats are how many evaluations the memo answered and how many it did not.
func (m *Memo) Stats() (hits, misses int64) { return m.hits.Load(), m.misses.Load() }

// Off says why m is not used for e ("" when it is).
func (m *Memo) Off(e *Engine) string { return m.plan(e).off }

// memoEntry is one input's results, ready when done is closed (failed:
// its evaluation failed and it is no longer in the memo).
type memoEntry struct {
	done   chan struct{}
	value  any // *outcome or *part, never changed once done
	failed bool
}

type memoKey struct {
	e    *Engine
	q    *preparedQuery
	drop string
	risk string
	sum  [sha256.Size]byte
}

// memoPlan is what an engine's rules can read of input.
type memoPlan struct {
	off   string     // why the memo is not used ("" when it is)
	reads [][]string // constant paths into input some rule reads ([] : all of it)
	tree  *readTree  // reads as a tree, nil when input is read whole
}

// readTree is the parts of an object read: whole, or the members in kids.
type readTree struct {
	whole bool
	kids  map[string]*readTree
}

func (p *memoPlan) buildTree() {
	root := &readTree{}
	for _, r := range p.reads {
		n := root
		for _, k := range r {
			if n.whole {
				break
			}
			if n.kids == nil {
				n.kids = map[string]*readTree{}
			}
			c := n.kids[k]
			if c == nil {
				c = &readTree{}
				n.kids[k] = c
			}
			n = c
		}
		n.whole, n.kids = true, nil
	}
	if !root.whole {
		p.tree = root
	}
}

func (m *Memo) plan(e *Engine) *memoPlan {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.plans[e]
	if p == nil {
		p = planMemo(e.prog.compiler.Modules)
		m.plans[e] = p
	}
	return p
}

// planMemo finds the parts of input the modules can read and whether
// their results depend on more than the input.
//
// The compiler binds a reference to a local first (__local1__ = input;
// object.get(__local1__, ["request", "environment"], "", x)): a local
// bound so once, to input or a constant path into it, and otherwise only
// read with object.get and a constant path, reads that path only; any
// other use of it reads the whole part it is bound to.
func planMemo(modules map[string]*ast.Module) *memoPlan {
	p := &memoPlan{}
	files := slices.Sorted(maps.Keys(modules))
	// Locals bound to input (or a constant path into it) by one equality.
	bound := map[ast.Var][][]string{}
	binding := map[*ast.Expr]bool{}
	for _, file := range files {
		ast.WalkExprs(modules[file], func(x *ast.Expr) bool {
			if !x.IsEquality() || len(x.Operands()) != 2 {
				return false
			}
			ops := x.Operands()
			for i := range 2 {
				v, ok := ops[i].Value.(ast.Var)
				if !ok || v.Equal(ast.InputRootDocument.Value) {
					continue
				}
				if path, whole := inputPath(ops[1-i]); path != nil && whole {
					bound[v] = append(bound[v], path)
					binding[x] = true
				}
			}
			return false
		})
	}
	alias := map[ast.Var][]string{}
	for v, paths := range bound {
		if len(paths) == 1 {
			alias[v] = paths[0]
		}
	}
	var vis *ast.GenericVisitor
	call := func(op string) {
		b, ok := ast.BuiltinMap[op]
		if (ok && b.Nondeterministic) || strings.HasPrefix(op, "crypto.x509.parse_and_verify") || op == "time.now_ns" {
			if p.off == "" {
				p.off = "a module calls " + op
			}
		}
	}
	// objectGet handles object.get(x, <constant path>, default) for x
	// input, a constant path into it or an alias of one: it reads that
	// path only.
	objectGet := func(op *ast.Term, args []*ast.Term) bool {
		if len(args) < 3 || op.String() != "object.get" {
			return false
		}
		path, whole := inputPath(args[0])
		if v, ok := args[0].Value.(ast.Var); ok && alias[v] != nil {
			path, whole = slices.Clone(alias[v]), true
		}
		if path == nil || !whole {
			return false
		}
		switch key := args[1].Value.(type) {
		case ast.String:
			path = append(path, string(key))
		case *ast.Array:
			for i := range key.Len() {
				s, ok := key.Elem(i).Value.(ast.String)
				if !ok {
					break
				}
				path = append(path, string(s))
			}
		}
		p.reads = append(p.reads, path)
		for _, t := range args[1:] {
			vis.Walk(t)
		}
		return true
	}
	vis = ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case ast.Ref:
			if path, _ := inputPath(ast.NewTerm(x)); path != nil {
				p.reads = append(p.reads, path)
				for _, t := range x[1:] {
					vis.Walk(t)
				}
				return true
			}
			call(x.String()) // a function named as a value or with-replaced: checked as if called
		case ast.Var:
			if x.Equal(ast.InputRootDocument.Value) {
				p.reads = append(p.reads, []string{})
			} else if path, ok := alias[x]; ok {
				p.reads = append(p.reads, path) // used otherwise: all it is bound to
			}
		case *ast.Expr:
			if binding[x] {
				for i := range 2 {
					// Either side may be the local (input.request = x).
					if v, ok := x.Operand(i).Value.(ast.Var); ok && alias[v] != nil {
						return true
					}
				}
			}
			if x.IsCall() {
				call(x.Operator().String())
				terms := x.Terms.([]*ast.Term)
				if objectGet(terms[0], terms[1:]) {
					for _, w := range x.With {
						vis.Walk(w)
					}
					return true
				}
			}
		case ast.Call:
			if len(x) > 0 {
				call(x[0].String())
				return objectGet(x[0], x[1:])
			}
		}
		return false
	})
	for _, file := range files {
		m := modules[file]
		for _, imp := range m.Imports {
			if ref, ok := imp.Path.Value.(ast.Ref); ok && ref.HasPrefix(ast.InputRootRef) {
				p.reads = append(p.reads, []string{}) // an imported input is read under another name
			}
		}
		vis.Walk(m)
	}
	p.buildTree()
	return p
}

// inputPath is, when t is input or a reference into it, the constant
// keys it starts with ([] for input whole, nil when t is not input), and
// whether those are all of it.
func inputPath(t *ast.Term) (path []string, whole bool) {
	switch v := t.Value.(type) {
	case ast.Var:
		if v.Equal(ast.InputRootDocument.Value) {
			return []string{}, true
		}
	case ast.Ref:
		if !v.HasPrefix(ast.InputRootRef) {
			return nil, false
		}
		path = []string{}
		for _, k := range v[1:] {
			s, ok := k.Value.(ast.String)
			if !ok {
				return path, false
			}
			path = append(path, string(s))
		}
		return path, true
	}
	return nil, false
}

// digest hashes v, the input document, without the object members no
// read reaches (arrays and values other than objects are hashed whole).
// The encoding is prefix-free (tagged, strings length-prefixed, objects
// and arrays terminated), so two inputs share a digest only if they agree
// on every part hashed.
func (p *memoPlan) digest(v ast.Value) [sha256.Size]byte {
	h := sha256.New()
	buf := appendValue(make([]byte, 0, 4096), v, p.tree, h)
	_, _ = h.Write(buf)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func appendString(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// appendValue encodes v onto b, flushing b into h as it grows; when read
// is set (and not whole), the members of an object it does not name are
// left out.
func appendValue(b []byte, v ast.Value, read *readTree, h hash.Hash) []byte {
	if len(b) > 64<<10 {
		_, _ = h.Write(b)
		b = b[:0]
	}
	if read != nil && read.whole {
		read = nil
	}
	switch v := v.(type) {
	case ast.Null:
		return append(b, 'z')
	case ast.Boolean:
		if v {
			return append(b, 't')
		}
		return append(b, 'f')
	case ast.Number:
		return appendString(b, 'n', string(v))
	case ast.String:
		return appendString(b, 's', string(v))
	case *ast.Array:
		b = append(b, 'a')
		for i := range v.Len() {
			b = appendValue(b, v.Elem(i).Value, nil, h)
		}
		return append(b, 'e')
	case ast.Object:
		b = append(b, 'o')
		v.Foreach(func(k, val *ast.Term) {
			s, ok := k.Value.(ast.String)
			if read == nil || !ok {
				b = appendValue(b, k.Value, nil, h)
				b = appendValue(b, val.Value, nil, h)
				return
			}
			if c := read.kids[string(s)]; c != nil {
				b = appendString(b, 's', string(s))
				b = appendValue(b, val.Value, c, h)
			}
		})
		return append(b, 'e')
	}
	return appendString(b, 'x', v.String())
}

// runMemo is run, answered from in.Memo when an input alike was evaluated.
func (e *Engine) runMemo(ctx context.Context, in Input, now time.Time) (*outcome, error) {
	m := in.Memo
	if m == nil {
		return e.run(ctx, in, now)
	}
	plan := m.plan(e)
	if plan.off != "" {
		return e.run(ctx, in, now)
	}
	risk := e.risk.level(in.Request, in.Patch)
	q, drop, err := e.queries.forPatch(ctx, in.Patch)
	if err != nil {
		return nil, err
	}
	input, err := e.input(in, risk)
	if err != nil {
		return nil, err
	}
	key := memoKey{e: e, q: q, risk: risk, sum: plan.digest(input)}
	if len(drop) > 0 {
		var names []string
		for pp := range drop {
			names = append(names, pp.name)
		}
		slices.Sort(names)
		key.drop = strings.Join(names, "\x00")
	}
	v, err := m.do(ctx, key, func() (any, error) {
		out, err := e.run(ctx, in, now)
		if err != nil {
			return nil, err
		}
		return &outcome{results: cloneResults(out.results), risk: out.risk}, nil
	})
	if err != nil {
		return nil, err
	}
	out := v.(*outcome)
	return &outcome{results: cloneResults(out.results), risk: out.risk}, nil
}

// evalPartMemo is e.evalPart, answered from m (nil: not used) when an
// input alike was evaluated with pq (whose drop is always the same, see
// deltaSide.query). The part returned is the memo's: its results must be
// copied before they are changed.
func (e *Engine) evalPartMemo(ctx context.Context, m *Memo, pq *preparedQuery, drop map[*policyPackage]bool, input ast.Value, risk string, now time.Time) (*part, error) {
	if m == nil || len(pq.terms) == 0 {
		return e.evalPart(ctx, pq, drop, input, now)
	}
	plan := m.plan(e)
	if plan.off != "" {
		return e.evalPart(ctx, pq, drop, input, now)
	}
	v, err := m.do(ctx, memoKey{e: e, q: pq, risk: risk, sum: plan.digest(input)}, func() (any, error) {
		return e.evalPart(ctx, pq, drop, input, now)
	})
	if err != nil {
		return nil, err
	}
	return v.(*part), nil
}

// do returns the value remembered under key, or computes, remembers and
// returns it; an error is returned and not remembered.
func (m *Memo) do(ctx context.Context, key memoKey, compute func() (any, error)) (any, error) {
	for {
		m.mu.Lock()
		ent, ok := m.entries[key]
		if !ok {
			// This evaluation computes it; others asking meanwhile wait.
			ent = &memoEntry{done: make(chan struct{})}
			for k := range m.entries {
				if len(m.entries) < m.max {
					break
				}
				delete(m.entries, k)
			}
			m.entries[key] = ent
		}
		m.mu.Unlock()
		if ok {
			select {
			case <-ent.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if ent.failed {
				continue // its evaluation failed and was forgotten: try again
			}
			m.hits.Add(1)
			return ent.value, nil
		}
		m.misses.Add(1)
		v, err := compute()
		if err != nil {
			m.mu.Lock()
			if m.entries[key] == ent {
				delete(m.entries, key)
			}
			m.mu.Unlock()
			ent.failed = true
			close(ent.done)
			return nil, err
		}
		ent.value = v
		close(ent.done)
		return v, nil
	}
}

// cloneResults copies rs so that applying exceptions and deciding (which
// change results in place) leave the remembered ones as they were.
func cloneResults(rs []result) []result {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Controls = slices.Clone(out[i].Controls)
		if out[i].Enforced != nil {
			b := *out[i].Enforced
			out[i].Enforced = &b
		}
	}
	return out
}
