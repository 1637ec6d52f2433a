package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Delta is what differs between the programs of two engines, so that a
// caller evaluating many patches under both (gov simulate) can tell,
// without evaluating, the patches on which they must decide alike: those
// for which neither engine queries a changed package. It errs one way
// only: when unsure, a patch is affected.
type Delta struct {
	// everything is why every patch is affected ("" when not): the data
	// (gov.cue, rules, roles, workflows, exceptions) differ, or an engine
	// was built for one patch.
	everything string
	// packages are the affected packages by name, sorted: those whose
	// modules differ, and those that may read one of them or share a path
	// prefix with one (a parent or subpackage), transitively, and those
	// gated past maxGated under one engine only (see Compare).
	packages []string
	sides    [2]deltaSide
}

// deltaSide is one engine's queried packages among the affected ones.
type deltaSide struct {
	e        *Engine
	q        *queries
	affected []*policyPackage
	// pkgs are the packages queried, once each, in query order; marks
	// says which are affected and which gated (see skipped and leftOut).
	pkgs  []*policyPackage
	marks map[*policyPackage]uint8

	mu      sync.Mutex // serialises preparing queries
	queries sync.Map   // kind, then each package not queried, queried or dropped ("0"/"1"/"2") -> *deltaQuery
	count   int
}

// Compare computes the delta between engines a and b.
func Compare(a, b *Engine) *Delta {
	d := &Delta{}
	if len(a.queries.omitted) > 0 || len(b.queries.omitted) > 0 {
		d.everything = "an engine was built for one patch"
		return d
	}
	if what := dataDiffers(a.b, b.b); what != "" {
		d.everything = what + " differ"
		return d
	}
	engines := [2]*Engine{a, b}
	var mods [2]map[string][]string // package -> its modules' "file digest", sorted
	for i, e := range engines {
		m, err := moduleDigests(e)
		if err != nil {
			d.everything = err.Error()
			return d
		}
		mods[i] = m
	}
	affected := map[string]bool{}
	for pkg := range maps.Keys(mods[0]) {
		if !slices.Equal(mods[0][pkg], mods[1][pkg]) {
			affected[pkg] = true
		}
	}
	for pkg := range maps.Keys(mods[1]) {
		if !slices.Equal(mods[0][pkg], mods[1][pkg]) {
			affected[pkg] = true
		}
	}
	// A package reading an affected one, or overlapping it (one path a
	// prefix of the other: dotted rule names and subpackages share a
	// document), is affected too, until nothing more is.
	for grew := len(affected) > 0; grew; {
		grew = false
		targets := map[string]ast.Ref{}
		for _, e := range engines {
			for _, m := range e.prog.compiler.Modules {
				if pkg := packageName(m); affected[pkg] {
					targets[pkg] = m.Package.Path
				}
			}
		}
		for _, e := range engines {
			for _, m := range e.prog.compiler.Modules {
				pkg := packageName(m)
				if affected[pkg] {
					continue
				}
				if overlaps(m.Package.Path, targets) || len(refersToAny(m, targets)) > 0 {
					affected[pkg] = true
					grew = true
				}
			}
		}
	}
	// A package past maxGated under one engine only is evaluated by a full
	// evaluation of that engine where its gate does not apply (its errors
	// count, its results do not) and not by the other's: its results are
	// the same under both, whether it fails is not.
	var gating [2]map[string]uint8
	for i, e := range engines {
		gating[i] = map[string]uint8{}
		for _, pp := range e.queries.gated {
			gating[i][pp.name] = markGated
		}
		for _, pp := range e.queries.late {
			gating[i][pp.name] = markLate
		}
	}
	for name, m := range gating[0] {
		if n, ok := gating[1][name]; ok && n != m {
			affected[name] = true
		}
	}
	d.packages = slices.Sorted(maps.Keys(affected))
	for i, e := range engines {
		s := &d.sides[i]
		s.e, s.q = e, e.queries
		s.marks = map[*policyPackage]uint8{}
		for _, t := range e.queries.terms {
			if _, seen := s.marks[t.pkg]; seen {
				continue
			}
			s.pkgs = append(s.pkgs, t.pkg)
			var m uint8
			if affected[t.pkg.name] {
				s.affected = append(s.affected, t.pkg)
				m |= markAffected
			}
			if slices.Contains(e.queries.gated, t.pkg) {
				m |= markGated
			}
			if slices.Contains(e.queries.late, t.pkg) {
				m |= markLate
			}
			s.marks[t.pkg] = m
		}
	}
	return d
}

// The marks of a delta side's packages.
const (
	markAffected uint8 = 1 << iota
	markGated          // gated: not queried where its gate does not apply
	markLate           // gated past maxGated: queried, its results dropped where its gate does not apply
)

// maxAlikeQueries bounds the queries each side of a delta prepares for
// combinations of packages; past it, Alike answers false and Decide
// fails (the caller evaluates in full).
const maxAlikeQueries = 256

// Alike reports whether the two engines decide in alike, found without
// evaluating either in full: it checks what every evaluation checks
// before the policies (the environment, the enforcement, the input
// document: an error there is returned, as Evaluate would), then
// evaluates under each engine only the affected packages it queries for
// in.Patch and compares their raw results (every field of every
// violation, its package, rule and workflow, in query order, and the
// risk_level overrides). Equal results mean equal decisions: every other
// package queried has the same modules under both engines and reads
// nothing that differs, and the data are the same, so it produces the
// same results under both (the premise of Affects). When the data
// differ, the results differ, or an affected package fails to evaluate
// (err), the caller must evaluate in in full under both. A package a
// full evaluation does not evaluate (gated out) is not evaluated here
// either; one it evaluates only for its errors (gated out past
// maxGated) is evaluated, its results left out. Errors of packages that
// are not affected are the same under both engines and are not looked
// for (a package past maxGated under one engine only is affected).
func (d *Delta) Alike(ctx context.Context, in Input) (bool, error) {
	alike, _, _, err := d.decide(ctx, in, false)
	return alike, err
}

// Decide is Alike and, when the engines do not decide in alike, their
// decisions (a's first, as given to Compare) as Evaluate makes them: the
// packages not affected are evaluated once, under b (answered from
// in.Memo when set), and their results stand for both engines' (the
// premise of Alike), each engine's own affected results taking their
// place in its query's order. On an error
// (any evaluation error, or a combination of packages past the bound)
// the caller must evaluate in full under each engine, where an error is
// the decision's.
func (d *Delta) Decide(ctx context.Context, in Input) (alike bool, a, b *Decision, err error) {
	return d.decide(ctx, in, true)
}

// part is what one query bound for an input: each term's results, in
// the query's order (none for a package in drop), and the highest
// risk_level override (-1: none).
type part struct {
	q        *preparedQuery
	drop     map[*policyPackage]bool
	results  [][]result
	override int
}

func (d *Delta) decide(ctx context.Context, in Input, decisions bool) (alike bool, da, db *Decision, err error) {
	if d.everything != "" || d.sides[0].e == nil {
		if decisions {
			return false, nil, nil, errors.New("engine: the delta cannot decide alone: " + d.everything)
		}
		return false, nil, nil, nil
	}
	a := d.sides[0].e
	env, err := a.b.Config.Environment(in.Request.Environment)
	if err != nil {
		return false, nil, nil, err
	}
	in.Request.Environment = env
	enforcement, err := a.enforcement(in)
	if err != nil {
		return false, nil, nil, err
	}
	if enforcement == EnforcementOff {
		return true, nil, nil, nil // allowed without evaluating, under both
	}
	risk := a.risk.level(in.Request, in.Patch)
	input, err := a.keys.input(in, risk)
	if err != nil {
		return false, nil, nil, err
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	// A full evaluation runs the packages that differ beside all the
	// others within one timeout, which the comparison never tries: a
	// candidate whose changed packages are slow could time out in full
	// and still compare alike. Parts taking more than a tenth of the
	// time allowed are left to the full evaluation.
	deadline, _ := ctx.Deadline()
	slow := time.Until(deadline) / 10
	var parts [2]*part
	var got [2]string
	for i := range d.sides {
		s := &d.sides[i]
		pq, drop, ok, err := s.query(ctx, in.Patch, "a", func(pp *policyPackage) bool { return s.isAffected(pp) })
		if err != nil || !ok {
			if err == nil && decisions {
				err = errors.New("engine: too many combinations of affected packages")
			}
			return false, nil, nil, err
		}
		start := time.Now()
		if parts[i], err = s.e.evalPart(ctx, pq, drop, input, now); err != nil {
			return false, nil, nil, err
		}
		if took := time.Since(start); took > slow {
			return false, nil, nil, fmt.Errorf("engine: the packages that differ took %s under one bundle: evaluated in full", took.Round(time.Millisecond))
		}
		got[i] = parts[i].encode()
	}
	if got[0] == got[1] || !decisions {
		return got[0] == got[1], nil, nil, nil
	}
	// The packages not affected, once, under b.
	sb := &d.sides[1]
	pq, drop, ok, err := sb.query(ctx, in.Patch, "u", func(pp *policyPackage) bool { return !sb.isAffected(pp) })
	if err != nil || !ok {
		if err == nil {
			err = errors.New("engine: too many combinations of packages")
		}
		return false, nil, nil, err
	}
	shared, err := sb.e.evalPartMemo(ctx, in.Memo, pq, drop, input, risk, now)
	if err != nil {
		return false, nil, nil, err
	}
	var decided [2]*Decision
	for i := range d.sides {
		s := &d.sides[i]
		out, err := s.merge(in.Patch, parts[i], shared, risk)
		if err != nil {
			return false, nil, nil, err
		}
		decided[i], err = s.e.evaluate(ctx, in, func(context.Context, Input, time.Time) (*outcome, error) { return out, nil })
		if err != nil {
			return false, nil, nil, err
		}
	}
	return false, decided[0], decided[1], nil
}

// evalPart evaluates pq on input at now; the results of the packages in
// drop are left out (their errors are not).
func (e *Engine) evalPart(ctx context.Context, pq *preparedQuery, drop map[*policyPackage]bool, input ast.Value, now time.Time) (*part, error) {
	pt := &part{q: pq, drop: drop, results: make([][]result, len(pq.terms)), override: -1}
	if len(pq.terms) == 0 {
		return pt, nil
	}
	b, err := pq.eval(ctx, input, now)
	if err != nil {
		return nil, err
	}
	pt.override, err = e.eachResult(pq, b, drop, func(i int, r result) { pt.results[i] = append(pt.results[i], r) })
	if err != nil {
		return nil, err
	}
	return pt, nil
}

// encode is pt's results, each with its package, rule and workflow, in
// order, and its override, as one comparable string.
func (pt *part) encode() string {
	var enc []byte
	for i, rs := range pt.results {
		t := pt.q.terms[i]
		for _, r := range rs {
			v, _ := json.Marshal(r.Violation) // strings, numbers and a bool: cannot fail
			enc = strconv.AppendQuote(enc, t.pkg.name)
			enc = strconv.AppendQuote(enc, t.rule)
			enc = strconv.AppendQuote(enc, r.workflow)
			enc = strconv.AppendQuote(enc, string(v))
			enc = append(enc, '\n')
		}
	}
	return string(strconv.AppendInt(enc, int64(pt.override), 10))
}

// merge is the outcome s's engine would produce for p from its own
// affected packages' part and the other packages' shared part (from the
// other engine, whose terms of a package not affected are the same, in
// the same order): every term's results in the order of s's query.
func (s *deltaSide) merge(p *patch.Patch, own, shared *part, risk string) (*outcome, error) {
	type slot struct {
		pkg string
		n   int // the term's place among its package's terms
	}
	sharedAt := map[slot][]result{}
	n := map[string]int{}
	placed := 0
	for i, t := range shared.q.terms {
		if shared.drop[t.pkg] {
			continue
		}
		sharedAt[slot{t.pkg.name, n[t.pkg.name]}] = shared.results[i]
		n[t.pkg.name]++
		placed++
	}
	ownAt := map[string][]result{}
	for i, t := range own.q.terms {
		ownAt[t.name] = own.results[i]
	}
	out := &outcome{risk: risk}
	clear(n)
	used := 0
	for _, t := range s.q.terms {
		at := slot{t.pkg.name, n[t.pkg.name]}
		n[t.pkg.name]++
		if s.leftOut(t.pkg, p) {
			continue
		}
		if s.isAffected(t.pkg) {
			out.results = append(out.results, ownAt[t.name]...)
			continue
		}
		rs, ok := sharedAt[at]
		if !ok {
			return nil, fmt.Errorf("engine: term %s.%s has no shared result", t.pkg.name, t.rule)
		}
		out.results = append(out.results, cloneResults(rs)...) // the memo's own
		used++
	}
	if used != placed {
		return nil, fmt.Errorf("engine: %d of %d shared terms placed", used, placed)
	}
	if override := max(own.override, shared.override); override >= 0 {
		out.risk = riskLevels[override]
	}
	return out, nil
}

func (s *deltaSide) isAffected(pp *policyPackage) bool { return s.marks[pp]&markAffected != 0 }

// leftOut reports whether a full evaluation for p leaves pp's results
// out: a gated package (not queried or dropped by gate, see forPatch)
// whose gate does not apply to p.
func (s *deltaSide) leftOut(pp *policyPackage, p *patch.Patch) bool {
	return s.marks[pp]&(markGated|markLate) != 0 && !pp.gate.applies(p)
}

// skipped reports whether a full evaluation for p does not evaluate pp at
// all: a package gated within maxGated whose gate does not apply to p. A
// package past maxGated is evaluated, and its errors count, though its
// results are left out.
func (s *deltaSide) skipped(pp *policyPackage, p *patch.Patch) bool {
	return s.marks[pp]&markGated != 0 && !pp.gate.applies(p)
}

// query is the prepared query of the terms of s's engine whose package
// keep holds and a full evaluation for p evaluates (see skipped), and
// the packages among them whose results it leaves out (see leftOut);
// kind names the family of keep, which the cache key starts with (which
// packages are queried and dropped depends only on p's gates); ok is
// false past maxAlikeQueries.
func (s *deltaSide) query(ctx context.Context, p *patch.Patch, kind string, keep func(*policyPackage) bool) (pq *preparedQuery, drop map[*policyPackage]bool, ok bool, err error) {
	key := make([]byte, 0, len(kind)+len(s.pkgs))
	key = append(key, kind...)
	for _, pp := range s.pkgs {
		switch {
		case !keep(pp) || s.skipped(pp, p):
			key = append(key, '0')
		case s.leftOut(pp, p):
			key = append(key, '2') // queried for its errors, its results dropped
		default:
			key = append(key, '1')
		}
	}
	if v, ok := s.queries.Load(string(key)); ok {
		q := v.(*deltaQuery)
		return q.pq, q.drop, true, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.queries.Load(string(key)); ok {
		q := v.(*deltaQuery)
		return q.pq, q.drop, true, nil
	}
	if s.count >= maxAlikeQueries {
		return nil, nil, false, nil
	}
	q := &deltaQuery{}
	kept := map[*policyPackage]bool{}
	for i, pp := range s.pkgs {
		switch key[len(kind)+i] {
		case '2':
			if q.drop == nil {
				q.drop = map[*policyPackage]bool{}
			}
			q.drop[pp] = true
			kept[pp] = true
		case '1':
			kept[pp] = true
		}
	}
	if len(kept) == 0 {
		q.pq = &preparedQuery{}
	} else if q.pq, err = s.q.prepareWhere(ctx, func(pp *policyPackage) bool { return kept[pp] }); err != nil {
		return nil, nil, false, err
	}
	s.queries.Store(string(key), q)
	s.count++
	return q.pq, q.drop, true, nil
}

// deltaQuery is a prepared query of a delta side and the packages whose
// results it leaves out.
type deltaQuery struct {
	pq   *preparedQuery
	drop map[*policyPackage]bool
}

// Affects reports whether either engine evaluates, for p, a package the
// delta holds (see skipped: one past maxGated is evaluated for its
// errors where its gate does not apply): whether the two may decide p
// differently.
func (d *Delta) Affects(p *patch.Patch) bool {
	if d.everything != "" {
		return true
	}
	for i := range d.sides {
		s := &d.sides[i]
		for _, pp := range s.affected {
			if !s.skipped(pp, p) {
				return true
			}
		}
	}
	return false
}

// Everything is why every patch is affected, "" when not.
func (d *Delta) Everything() string { return d.everything }

// Packages are the affected packages, sorted (none when Everything).
func (d *Delta) Packages() []string { return slices.Clone(d.packages) }

// dataDiffers names what, besides the Rego modules, differs between two
// bundles ("" when nothing): every field an engine is built from, compared
// whole, so that a field added later counts as data.
func dataDiffers(a, b *bundles.Bundle) string {
	strip := func(x *bundles.Bundle) bundles.Bundle {
		c := *x
		// What the engine does not decide with (or compares per module below).
		c.Source, c.Ref, c.Revision, c.Digest = "", "", "", ""
		c.Modules, c.Tests, c.Parsed, c.Files, c.Warnings = nil, nil, nil, nil, nil
		return c
	}
	sa, sb := strip(a), strip(b)
	var what []string
	for _, f := range []struct {
		name string
		x, y any
	}{
		{"gov.cue", sa.Config, sb.Config}, {"roles", sa.Roles, sb.Roles}, {"workflows", sa.Workflows, sb.Workflows},
		{"rules", sa.Rules, sb.Rules}, {"exceptions", sa.Exceptions, sb.Exceptions},
	} {
		if !reflect.DeepEqual(f.x, f.y) {
			what = append(what, f.name)
		}
	}
	if len(what) == 0 && !reflect.DeepEqual(sa, sb) {
		what = append(what, "bundle data")
	}
	return strings.Join(what, ", ")
}

// moduleDigests maps each package e compiled to the sorted "file digest"
// of its modules, the digest over the module's source text.
func moduleDigests(e *Engine) (map[string][]string, error) {
	builtin, lib := policies.Builtin(), policies.Library()
	out := map[string][]string{}
	for file, m := range e.prog.compiler.Modules {
		// A file found in more than one place is hashed with each text.
		h := sha256.New()
		found := false
		for i, texts := range []map[string]string{e.b.Modules, builtin, lib} {
			if text, ok := texts[file]; ok {
				fmt.Fprintf(h, "%d:%d:%s", i, len(text), text)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("module %s has no source", file)
		}
		pkg := packageName(m)
		out[pkg] = append(out[pkg], file+" "+hex.EncodeToString(h.Sum(nil)))
	}
	for _, files := range out {
		slices.Sort(files)
	}
	return out, nil
}

func packageName(m *ast.Module) string { return strings.TrimPrefix(m.Package.Path.String(), "data.") }

// overlaps reports whether path is one of targets, below one or above one.
func overlaps(path ast.Ref, targets map[string]ast.Ref) bool {
	for _, t := range targets {
		if path.HasPrefix(t) || t.HasPrefix(path) {
			return true
		}
	}
	return false
}
