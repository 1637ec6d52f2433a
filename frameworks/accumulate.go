package frameworks

import (
	"sort"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// accumulator counts records into per-control, per-group and total figures.
type accumulator struct {
	f           *Framework
	controls    []ControlReport
	rules       []map[string]bool // per control: its mapped rule ids
	groupRules  map[string][]string
	groupCounts map[string]*GroupReport
	totals      Totals
	byWeek      map[time.Time]*Week
	byRevision  map[string]*Revision
	dutySum     DutiesSummary
	evSum       EvidenceSummary
	first, last time.Time
}

func newAccumulator(f *Framework, m Mapping) *accumulator {
	a := &accumulator{f: f, byWeek: map[time.Time]*Week{}, byRevision: map[string]*Revision{}, dutySum: DutiesSummary{Failures: []string{}, BreakGlass: []string{}}, groupRules: m.Groups, groupCounts: map[string]*GroupReport{}}
	for _, c := range f.Controls {
		cr := ControlReport{
			ID: c.ID, Title: c.Title, Description: c.Description,
			Evidence: append([]string{}, c.Evidence...),
			Policies: append([]string{}, m.Rules[c.ID]...), MissingPolicies: m.Missing[c.ID],
			ViolationsByRule: map[string]int{},
		}
		set := map[string]bool{}
		for _, p := range cr.Policies {
			set[p] = true
		}
		a.controls = append(a.controls, cr)
		a.rules = append(a.rules, set)
	}
	for id, rules := range m.Groups {
		a.groupCounts[id] = &GroupReport{ID: id, Controls: f.GroupControls(id), Policies: rules, ByRule: map[string]int{}}
	}
	return a
}

// add counts g.Count records of one week that have the same summary and
// evidence state (one of the Evidence* states): a record read whole is a
// group of one, and a store that aggregates (the PostgreSQL one, in SQL)
// hands whole groups, so both count the same way.
func (a *accumulator) add(g evidence.SummaryGroup, state string) {
	d, n := g.Summary, g.Count
	if a.first.IsZero() || g.First.Before(a.first) {
		a.first = g.First
	}
	if g.Last.After(a.last) {
		a.last = g.Last
	}
	ws := weekStart(g.First)
	w := a.byWeek[ws]
	if w == nil {
		w = &Week{Start: ws.Format("2006-01-02")}
		a.byWeek[ws] = w
	}
	switch d.Decision {
	case engine.Allow:
		a.totals.Allow += n
		w.Allow += n
	case engine.Deny:
		a.totals.Deny += n
		w.Deny += n
	case engine.RequireApproval:
		a.totals.RequireApproval += n
		w.RequireApproval += n
	}
	a.revision(d.Revision, g)
	a.duties(d, n)
	a.evidence(state, n)
	approvals := d.Approvals * n
	a.totals.Records += n
	a.totals.Approvals += approvals
	a.totals.Findings += d.Findings * n
	a.totals.Violations += len(d.Violations) * n
	if d.BreakGlass != nil {
		a.totals.BreakGlass += n
	}
	touched := a.violations(d.Violations, n)
	for i := range a.controls {
		c := &a.controls[i]
		counted := touched[i] || hasKind(c.Evidence, EvidenceDecisions)
		if counted {
			c.Decisions += n
		}
		if counted || hasKind(c.Evidence, EvidenceApprovals) {
			c.Approvals += approvals
			if d.DutiesChecked {
				c.DutiesChecked += n
				if len(d.Duties) > 0 {
					c.DutiesFailed += n
				}
			}
			if d.BreakGlass != nil {
				c.BreakGlass += n
			}
		}
		if counted || hasKind(c.Evidence, EvidenceSignatures) {
			switch state {
			case EvidenceVerified:
				c.EvidenceValid += n
			case EvidenceFailed:
				c.EvidenceFailed += n
			case EvidenceSigned:
				c.EvidencePresent += n
			}
		}
	}
}

// violations counts n times each violation against the controls and
// groups it touches; touched says which controls.
func (a *accumulator) violations(vs []evidence.SummaryViolation, n int) (touched []bool) {
	touched = make([]bool, len(a.controls))
	for _, v := range vs {
		if v.Waived {
			a.totals.Exceptions += n
		}
		if v.Blocked {
			a.totals.Blocked += n
		}
		if v.ToApproval {
			a.totals.SentToApproval += n
		}
		exact := map[string]bool{}
		for _, ref := range v.Controls {
			switch id, kind := a.f.resolve(ref); kind {
			case refControl:
				exact[id] = true
			case refGroup:
				a.countGroup(id, v.Rule, n)
			}
		}
		for id, rules := range a.groupRules {
			if contains(rules, v.Rule) && !refersTo(a.f, v.Controls, id) {
				a.countGroup(id, v.Rule, n)
			}
		}
		for i := range a.controls {
			c := &a.controls[i]
			if !a.rules[i][v.Rule] && !exact[c.ID] {
				continue
			}
			touched[i] = true
			c.Violations += n
			c.ViolationsByRule[v.Rule] += n
			if v.Blocked {
				c.Blocked += n
			}
			if v.ToApproval {
				c.SentToApproval += n
			}
			if v.Waived {
				c.Exceptions += n
			}
		}
	}
	return touched
}

// revision counts a group under the bundle revision it was decided with.
func (a *accumulator) revision(rev string, g evidence.SummaryGroup) {
	rv := a.byRevision[rev]
	if rv == nil {
		rv = &Revision{Revision: rev, First: g.First, Last: g.Last}
		a.byRevision[rev] = rv
	}
	rv.Decisions += g.Count
	if g.First.Before(rv.First) {
		rv.First = g.First
	}
	if g.Last.After(rv.Last) {
		rv.Last = g.Last
	}
}

// duties adds a group to the segregation-of-duties summary; the records
// it lists by name (failed checks, break-glass uses) carry their request id.
func (a *accumulator) duties(d evidence.RecordSummary, n int) {
	if d.DutiesChecked {
		a.dutySum.Checked += n
		if len(d.Duties) == 0 {
			a.dutySum.Passed += n
		} else {
			a.dutySum.Failed += n
			for range n {
				a.dutySum.Failures = append(a.dutySum.Failures, d.RequestID+": "+strings.Join(d.Duties, "; "))
			}
		}
	}
	if d.BreakGlass != nil {
		for range n {
			a.dutySum.BreakGlass = append(a.dutySum.BreakGlass, d.RequestID+": "+*d.BreakGlass)
		}
	}
}

// evidence adds a group to the signed-evidence summary (the failures
// themselves are listed by the caller, which has the record).
func (a *accumulator) evidence(state string, n int) {
	switch state {
	case EvidenceVerified:
		a.evSum.Valid += n
	case EvidenceFailed:
		a.evSum.Failed += n
	case EvidenceUnsigned:
		a.evSum.Unsigned += n
	case EvidenceSigned:
		a.evSum.Present += n
	}
}

func (a *accumulator) countGroup(id, rule string, n int) {
	g := a.groupCounts[id]
	if g == nil {
		g = &GroupReport{ID: id, Controls: a.f.GroupControls(id), Policies: []string{}, ByRule: map[string]int{}}
		a.groupCounts[id] = g
	}
	g.Violations += n
	g.ByRule[rule] += n
}

// refersTo reports whether refs name group id themselves (then the
// violation was counted for it already).
func refersTo(f *Framework, refs []string, id string) bool {
	for _, ref := range refs {
		if got, kind := f.resolve(ref); kind == refGroup && got == id {
			return true
		}
	}
	return false
}

// finish sets each control's status once every record is counted: gap when
// nothing in gov evidences it, evidenced when the period holds evidence of
// a kind it names, else no evidence in the period.
func (a *accumulator) finish() []ControlReport {
	for i := range a.controls {
		c := &a.controls[i]
		mapped := len(c.Policies) > 0 || hasKind(c.Evidence, EvidenceDecisions) ||
			hasKind(c.Evidence, EvidenceApprovals) || hasKind(c.Evidence, EvidenceSignatures)
		evidenced := c.Violations > 0 ||
			(hasKind(c.Evidence, EvidenceDecisions) && c.Decisions > 0) ||
			(hasKind(c.Evidence, EvidenceApprovals) && (c.Approvals > 0 || c.BreakGlass > 0)) ||
			(hasKind(c.Evidence, EvidenceSignatures) && c.EvidenceValid > 0)
		switch {
		case !mapped:
			c.Status = StatusGap
		case evidenced:
			c.Status = StatusEvidenced
		default:
			c.Status = StatusNoEvidence
		}
	}
	return a.controls
}

// revisions lists the bundle revisions, oldest first.
func (a *accumulator) revisions() []Revision {
	out := make([]Revision, 0, len(a.byRevision))
	for _, rv := range a.byRevision {
		out = append(out, *rv)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].First.Equal(out[j].First) {
			return out[i].First.Before(out[j].First)
		}
		return out[i].Revision < out[j].Revision
	})
	return out
}

// groups lists the group references, by id.
func (a *accumulator) groups() []GroupReport {
	out := make([]GroupReport, 0, len(a.groupCounts))
	for _, g := range a.groupCounts {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func hasKind(kinds []string, kind string) bool {
	return contains(kinds, kind)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
