// Package simulate re-evaluates recorded requests under a candidate and a
// baseline policy version and reports which decisions change: by
// transition, by rule and by request. It is a library; nothing in it prints.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

// Error is the outcome of a request that could not be evaluated. It fails
// closed: it is never counted as allow, and a change to or from it is a change.
const Error = "error"

// Unchanged stands, in the report's transitions, for the outcome of a
// request not evaluated in full because the bundles decide it alike
// (see Report.Unaffected): whatever it is, it is the same under both.
const Unchanged = "unchanged"

// Item is one request to re-evaluate.
type Item struct {
	// Name is where the item comes from: a record path or a case file.
	Name string
	// Request is evaluated as it is; its patch_content (secrets masked in
	// audit records, same length, still a valid diff) is parsed again.
	Request engine.Request
	// Findings are the scanner findings recorded with it, reused as
	// input.findings rather than rescanning a masked patch.
	Findings []engine.Finding
	// Enforcement overrides the bundles' own enforcement when set (corpus
	// cases may set it; audit records never do).
	Enforcement string
	// Now is the evaluation time, so exceptions expire as they did then; zero is now.
	Now time.Time
	// Recorded is the decision recorded at the time ("" for corpus cases).
	Recorded string
	// Unordered marks an item of a source that gives its items in no
	// particular order (an audit directory read in parallel): the report
	// lists its change by Now, then Name, the store's own order.
	Unordered bool
}

// Source calls fn with every item, in a stable order or each marked
// Unordered, and returns the inputs it skipped (corrupt or truncated
// records, unreadable cases), each error naming its file. err is an I/O
// error or fn's.
type Source func(fn func(Item) error) (skipped []error, err error)

// Options tune a run.
type Options struct {
	// Workers evaluate in parallel; <= 0 means GOMAXPROCS.
	Workers int
	// EvaluateAll evaluates every request under both bundles, also those
	// that no package differing between them applies to (see engine.Delta),
	// and evaluates each request's policies afresh (no engine.Memo).
	EvaluateAll bool
}

// job is an item with its position in the source's order.
type job struct {
	seq  int
	item Item
}

// outcome is one item evaluated under both bundles.
type outcome struct {
	seq                int
	item               Item
	baseline, proposed side
	// unaffected: not evaluated in full, the bundles decide it alike
	// (baseline and proposed are unset); compared: the packages that
	// differ were evaluated under both, with the same results.
	unaffected, compared bool
}

// side is one bundle's result: the decision (or Error), the rules that
// count, each rule's result (see results) and the enforcement applied.
type side struct {
	decision    string
	rules       []string
	results     map[string]string
	enforcement string
	err         error
}

// Run evaluates every item of src under candidate and baseline (once when
// both have the same pinned revision) and aggregates the report. Engines are
// safe for concurrent use; items are evaluated by opt.Workers goroutines
// while src is still being read. An evaluation error is an Error outcome,
// not a failure of the run; err is src's error or ctx's.
func Run(ctx context.Context, candidate, baseline *engine.Engine, src Source, opt Options) (*Report, error) {
	if candidate == nil || baseline == nil {
		return nil, errors.New("simulate: candidate and baseline engines are required")
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pair := pair{candidate: candidate, baseline: baseline, all: opt.EvaluateAll}
	if !opt.EvaluateAll {
		// Also for one revision: a pinned revision names the bundle, but
		// the delta compares what the engines were built from.
		pair.delta = engine.Compare(candidate, baseline)
		// Recorded requests repeat: the same patch to the same kind of
		// service differs only in fields no policy reads (request_id, the
		// time), and is evaluated once per bundle (see engine.Memo).
		pair.memo = engine.NewMemo(0)
	}
	jobs := make(chan job, 4*workers)
	results := make(chan outcome, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				results <- pair.evaluate(ctx, j)
			}
		})
	}
	var skipped []error
	var srcErr error
	go func() {
		defer func() {
			close(jobs)
			wg.Wait()
			close(results)
		}()
		seq := 0
		skipped, srcErr = src(func(it Item) error {
			select {
			case jobs <- job{seq, it}:
				seq++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	agg := newAggregate(candidate.Bundle(), baseline.Bundle(), deltaOf(pair.delta, opt))
	for o := range results {
		agg.add(o)
	}
	// results is closed only after src returned: skipped and srcErr are set.
	if srcErr != nil {
		return nil, fmt.Errorf("simulate: %w", srcErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	r := agg.report(skipped)
	if pair.memo != nil {
		hits, _ := pair.memo.Stats()
		r.Reused = int(hits)
	}
	return r, nil
}

// deltaOf is the report's account of d.
func deltaOf(d *engine.Delta, opt Options) Delta {
	switch {
	case d != nil:
		return Delta{Everything: d.Everything(), Packages: nonNil(d.Packages())}
	case opt.EvaluateAll:
		return Delta{Everything: "every request evaluated under both bundles as asked", Packages: []string{}}
	}
	return Delta{Packages: []string{}} // one revision
}

// pair is the two engines and, unless every request is to be evaluated
// under both, what differs between them.
type pair struct {
	candidate, baseline *engine.Engine
	delta               *engine.Delta
	memo                *engine.Memo // nil: every evaluation runs the policies
	all                 bool         // --evaluate-all
}

// evaluate runs one item under both engines, parsing its patch once. An
// item the two decide alike (see engine.Delta.Alike: no package that
// differs applies to it, or those that do give the same results under
// both) is not evaluated in full: it is unaffected, its outcome not
// named. Any error, and any difference, evaluates it in full under both,
// where an error is an Error outcome.
func (pr pair) evaluate(ctx context.Context, j job) outcome {
	candidate, baseline := pr.candidate, pr.baseline
	o := outcome{seq: j.seq, item: j.item}
	p, err := patch.Parse([]byte(j.item.Request.PatchContent))
	if err != nil {
		s := side{decision: Error, err: fmt.Errorf("patch: %w", err)}
		o.baseline, o.proposed = s, s
		return o
	}
	in := engine.Input{
		Request: j.item.Request, Patch: p, Findings: j.item.Findings,
		Enforcement: j.item.Enforcement, Now: j.item.Now, Memo: pr.memo,
	}
	if pr.delta != nil {
		if err := ctx.Err(); err != nil {
			s := side{decision: Error, err: err}
			o.baseline, o.proposed = s, s
			return o
		}
		alike, cand, base, err := pr.delta.Decide(ctx, in)
		switch {
		case err != nil: // evaluated in full below, where the error is the decision's
		case alike:
			o.unaffected, o.compared = true, pr.delta.Affects(p)
			return o
		default:
			o.proposed, o.baseline = sideOf(cand, nil), sideOf(base, nil)
			return o
		}
	}
	switch {
	case pr.all && sameRevision(candidate, baseline):
		o.proposed = evaluateOne(ctx, candidate, in)
		o.baseline = o.proposed
	default:
		o.proposed = evaluateOne(ctx, candidate, in)
		o.baseline = evaluateOne(ctx, baseline, in)
	}
	return o
}

// sameRevision reports whether both engines decide alike: the same engine,
// or bundles with the same pinned (non-empty, not "+dirty") revision.
func sameRevision(a, b *engine.Engine) bool {
	if a == b {
		return true
	}
	ra, rb := a.Bundle().Revision, b.Bundle().Revision
	return ra == rb && ra != "" && !strings.HasSuffix(ra, "+dirty")
}

func evaluateOne(ctx context.Context, e *engine.Engine, in engine.Input) side {
	if err := ctx.Err(); err != nil {
		return side{decision: Error, err: err}
	}
	return sideOf(e.Evaluate(ctx, in))
}

// sideOf is a decision, or its error, as one bundle's result.
func sideOf(d *engine.Decision, err error) side {
	if err != nil {
		return side{decision: Error, err: err}
	}
	switch d.Decision {
	case engine.Allow, engine.Deny, engine.RequireApproval:
	default:
		return side{decision: Error, err: fmt.Errorf("unknown decision %q", d.Decision)}
	}
	return side{decision: string(d.Decision), rules: firingRules(d), results: results(d), enforcement: d.Enforcement}
}

// results maps each rule that fired to its result: its strongest counted
// action (deny > require_approval > warn; "<action> (not enforced)" under
// enforcement warn), or "waived" when an exception waives all it produced.
func results(d *engine.Decision) map[string]string {
	rank := map[string]int{engine.ActionDeny: 3, engine.ActionRequireApproval: 2, engine.ActionWarn: 1}
	out := map[string]string{}
	best := map[string]int{}
	for _, v := range d.Violations {
		if strings.HasPrefix(v.Exception, "waived") {
			if _, ok := out[v.Rule]; !ok {
				out[v.Rule] = "waived"
			}
			continue
		}
		if r := rank[v.Action]; r > best[v.Rule] {
			best[v.Rule] = r
			out[v.Rule] = v.Action
			if v.Enforced != nil && !*v.Enforced {
				out[v.Rule] += " (not enforced)"
			}
		}
	}
	return out
}

// firingRules are the sorted rule ids of the violations that count: every
// one but those an exception waives (which the engine marks "waived ...").
func firingRules(d *engine.Decision) []string {
	var rules []string
	for _, v := range d.Violations {
		if strings.HasPrefix(v.Exception, "waived") {
			continue
		}
		rules = append(rules, v.Rule)
	}
	sort.Strings(rules)
	return slices.Compact(rules)
}
