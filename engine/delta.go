package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	// prefix with one (a parent or subpackage), transitively.
	packages []string
	sides    [2]deltaSide
}

// deltaSide is one engine's queried packages among the affected ones.
type deltaSide struct {
	e        *Engine
	q        *queries
	affected []*policyPackage

	mu      sync.Mutex // serialises preparing queries
	queries sync.Map   // which of affected apply ("0"/"1" each) -> *preparedQuery
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
	d.packages = slices.Sorted(maps.Keys(affected))
	for i, e := range engines {
		s := &d.sides[i]
		s.e, s.q = e, e.queries
		seen := map[*policyPackage]bool{}
		for _, t := range e.queries.terms {
			if affected[t.pkg.name] && !seen[t.pkg] {
				seen[t.pkg] = true
				s.affected = append(s.affected, t.pkg)
			}
		}
	}
	return d
}

// maxAlikeQueries bounds the queries each side of a delta prepares for
// combinations of affected packages; past it, Alike answers false.
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
// (err), the caller must evaluate in in full under both. A package whose
// results are left out of a full evaluation (gated out) is not evaluated
// here either; errors of packages that are not affected are the same
// under both engines and are not looked for.
func (d *Delta) Alike(ctx context.Context, in Input) (bool, error) {
	if d.everything != "" || d.sides[0].e == nil {
		return false, nil
	}
	a := d.sides[0].e
	env, err := a.b.Config.Environment(in.Request.Environment)
	if err != nil {
		return false, err
	}
	in.Request.Environment = env
	enforcement, err := a.enforcement(in)
	if err != nil {
		return false, err
	}
	if enforcement == EnforcementOff {
		return true, nil // allowed without evaluating, under both
	}
	risk := a.risk.level(in.Request, in.Patch)
	input, err := a.keys.input(in, risk)
	if err != nil {
		return false, err
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
	var got [2]string
	for i := range d.sides {
		s := &d.sides[i]
		pq, ok, err := s.query(ctx, in.Patch)
		if err != nil || !ok {
			return false, err
		}
		if len(pq.terms) == 0 {
			got[i] = "-1" // no results, no override
			continue
		}
		b, err := pq.eval(ctx, input, now)
		if err != nil {
			return false, err
		}
		var enc []byte
		override, err := s.e.eachResult(pq, b, nil, func(t queryTerm, r result) {
			v, _ := json.Marshal(r.Violation) // strings, numbers and a bool: cannot fail
			enc = strconv.AppendQuote(enc, t.pkg.name)
			enc = strconv.AppendQuote(enc, t.rule)
			enc = strconv.AppendQuote(enc, r.workflow)
			enc = strconv.AppendQuote(enc, string(v))
			enc = append(enc, '\n')
		})
		if err != nil {
			return false, err
		}
		got[i] = string(strconv.AppendInt(enc, int64(override), 10))
	}
	return got[0] == got[1], nil
}

// query is the prepared query of the affected packages s's engine
// queries for p (none: no terms); ok is false past maxAlikeQueries.
func (s *deltaSide) query(ctx context.Context, p *patch.Patch) (pq *preparedQuery, ok bool, err error) {
	key := make([]byte, len(s.affected))
	for i, pp := range s.affected {
		key[i] = '0'
		if !s.q.leftOut(pp, p) {
			key[i] = '1'
		}
	}
	if v, ok := s.queries.Load(string(key)); ok {
		return v.(*preparedQuery), true, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.queries.Load(string(key)); ok {
		return v.(*preparedQuery), true, nil
	}
	if s.count >= maxAlikeQueries {
		return nil, false, nil
	}
	keep := map[*policyPackage]bool{}
	for i, pp := range s.affected {
		if key[i] == '1' {
			keep[pp] = true
		}
	}
	if len(keep) == 0 {
		pq = &preparedQuery{}
	} else if pq, err = s.q.prepareWhere(ctx, func(pp *policyPackage) bool { return keep[pp] }); err != nil {
		return nil, false, err
	}
	s.queries.Store(string(key), pq)
	s.count++
	return pq, true, nil
}

// leftOut reports whether a full evaluation for p leaves pp's results
// out: a gated package (queried or dropped by gate, see forPatch) whose
// gate does not apply to p.
func (q *queries) leftOut(pp *policyPackage, p *patch.Patch) bool {
	return (slices.Contains(q.gated, pp) || slices.Contains(q.late, pp)) && !pp.gate.applies(p)
}

// Affects reports whether either engine queries, for p, a package the
// delta holds (see queries.forPatch): whether the two may decide p
// differently.
func (d *Delta) Affects(p *patch.Patch) bool {
	if d.everything != "" {
		return true
	}
	for i := range d.sides {
		s := &d.sides[i]
		for _, pp := range s.affected {
			if !s.q.gatedOut(pp, p) {
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

// gatedOut reports whether the query for p leaves pp out: a gated package
// (one of q.gated) whose gate does not apply to p.
func (q *queries) gatedOut(pp *policyPackage, p *patch.Patch) bool {
	return slices.Contains(q.gated, pp) && !pp.gate.applies(p)
}

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
