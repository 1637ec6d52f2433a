package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// maxGated is how many gated packages can be left out of a query; further
// packages are always queried, and run drops the results of those whose
// gate excludes the patch (see forPatch).
const maxGated = 64

// maxSubsets bounds the prepared queries kept for combinations of gated
// packages; past it, the full query serves (correct, only slower).
const maxSubsets = 256

// queries are the engine's prepared queries: the full one, prepared by New,
// and those leaving out the gated packages (see gate) that do not apply to
// a patch, prepared on first use and kept per combination.
type queries struct {
	compiler *ast.Compiler
	store    storage.Store
	terms    []queryTerm
	gated    []*policyPackage // bit i of a skip mask is gated[i]
	omitted  []*policyPackage // not compiled (see NewFor)
	late     []*policyPackage // gated past maxGated: always queried
	full     *preparedQuery

	mu      sync.Mutex // serialises preparing subsets
	subsets sync.Map   // uint64 skip mask -> *preparedQuery
	count   atomic.Int32
}

// preparedQuery binds the listed terms; query is unset when there are none.
// The renamed rules are read in one expression, setsVar = [ref, ...]
// (slots[i] is term i's place in it, -1 for a term bound on its own):
// compiling a query costs per expression, and one expression per rule made
// preparing it most of the cost of a query of the whole library.
type preparedQuery struct {
	query rego.PreparedEvalQuery
	terms []queryTerm
	slots []int
}

// setsVar binds the array of every renamed rule a query reads; term names
// are t0, t1, ...
const setsVar = "sets"

// value is what term i bound in b, and whether it is defined.
func (pq *preparedQuery) value(i int, b rego.Vars) (any, bool) {
	if pq.slots[i] < 0 {
		return pq.terms[i].value(b)
	}
	sets, ok := b[setsVar].([]any)
	if !ok || pq.slots[i] >= len(sets) {
		return nil, false
	}
	return sets[pq.slots[i]], true
}

func newQueries(ctx context.Context, c *ast.Compiler, store storage.Store, terms []queryTerm, gates bool, omitted []*policyPackage) (*queries, error) {
	q := &queries{compiler: c, store: store, terms: terms, omitted: omitted}
	seen := map[*policyPackage]bool{}
	for _, t := range terms {
		if !gates || t.pkg.gate == nil || seen[t.pkg] {
			continue
		}
		seen[t.pkg] = true
		if len(q.gated) < maxGated {
			q.gated = append(q.gated, t.pkg)
		} else {
			q.late = append(q.late, t.pkg)
		}
	}
	var err error
	if q.full, err = q.prepare(ctx, 0); err != nil {
		return nil, err
	}
	return q, nil
}

// prepare builds the query of every term whose package is not in skip.
func (q *queries) prepare(ctx context.Context, skip uint64) (*preparedQuery, error) {
	return q.prepareWhere(ctx, func(pp *policyPackage) bool { return !q.skipped(pp, skip) })
}

// prepareWhere builds the query of every term whose package keep holds.
func (q *queries) prepareWhere(ctx context.Context, keep func(*policyPackage) bool) (*preparedQuery, error) {
	pq := &preparedQuery{}
	body := ast.NewBody()
	var sets []*ast.Term
	for _, t := range q.terms {
		if !keep(t.pkg) {
			continue
		}
		pq.terms = append(pq.terms, t)
		if t.info != nil {
			pq.slots = append(pq.slots, len(sets))
			sets = append(sets, ast.RefTerm(t.pkg.path.Append(ast.StringTerm(t.ref()))...))
			continue
		}
		pq.slots = append(pq.slots, -1)
		body.Append(t.expr())
	}
	if len(pq.terms) == 0 {
		return pq, nil // nothing to query: the decision is the risk level alone
	}
	if len(sets) > 0 {
		body.Append(ast.Equality.Expr(ast.VarTerm(setsVar), ast.ArrayTerm(sets...)))
	}
	var err error
	pq.query, err = rego.New(
		rego.ParsedQuery(body),
		rego.Compiler(q.compiler),
		rego.Store(q.store),
		rego.StoreReadAST(true),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policy query: %w", err)
	}
	return pq, nil
}

func (q *queries) skipped(pp *policyPackage, skip uint64) bool {
	for i, g := range q.gated {
		if g == pp {
			return skip&(1<<i) != 0
		}
	}
	return false
}

// forPatch returns the query for p (the full one unless some gated
// package does not apply to p) and the packages whose results do not
// count: gated packages whose gate excludes p that the query still
// evaluates (the full query past maxSubsets, a package past maxGated), so
// that a decision never depends on which queries the process has prepared
// before (and when the full query fails past maxSubsets, run evaluates the
// exact query, see exact, whose failure alone counts). drop is nil in the
// common case.
func (q *queries) forPatch(ctx context.Context, p *patch.Patch) (pq *preparedQuery, drop map[*policyPackage]bool, err error) {
	for _, pp := range q.omitted {
		if pp.gate.applies(p) {
			return nil, nil, fmt.Errorf("engine: package %s applies to this patch but was not compiled (the engine was built for another patch)", pp.name)
		}
	}
	for _, pp := range q.late {
		if !pp.gate.applies(p) {
			if drop == nil {
				drop = map[*policyPackage]bool{}
			}
			drop[pp] = true
		}
	}
	skip := q.skipFor(p)
	if skip == 0 {
		return q.full, drop, nil
	}
	if pq, ok := q.subsets.Load(skip); ok {
		return pq.(*preparedQuery), drop, nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if pq, ok := q.subsets.Load(skip); ok {
		return pq.(*preparedQuery), drop, nil
	}
	if q.count.Load() >= maxSubsets {
		if drop == nil {
			drop = map[*policyPackage]bool{}
		}
		for i, pp := range q.gated {
			if skip&(1<<i) != 0 {
				drop[pp] = true
			}
		}
		return q.full, drop, nil
	}
	pq, err = q.prepare(ctx, skip)
	if err != nil {
		return nil, nil, err
	}
	q.subsets.Store(skip, pq)
	q.count.Add(1)
	return pq, drop, nil
}

// exact prepares, without keeping it, the query leaving out every gated
// package (within maxGated) whose gate excludes p; nil when none does
// (the full query is that query).
func (q *queries) exact(ctx context.Context, p *patch.Patch) (*preparedQuery, error) {
	skip := q.skipFor(p)
	if skip == 0 {
		return nil, nil
	}
	return q.prepare(ctx, skip)
}

// skipFor is the mask of the gated packages (within maxGated) whose gate
// excludes p: bit i for q.gated[i].
func (q *queries) skipFor(p *patch.Patch) uint64 {
	var skip uint64
	for i, pp := range q.gated {
		if !pp.gate.applies(p) {
			skip |= 1 << i
		}
	}
	return skip
}
