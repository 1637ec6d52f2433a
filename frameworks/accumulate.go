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
	first, last time.Time
}

func newAccumulator(f *Framework, m Mapping) *accumulator {
	a := &accumulator{f: f, byWeek: map[time.Time]*Week{}, groupRules: m.Groups, groupCounts: map[string]*GroupReport{}}
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

// add counts one record (row is its population row).
func (a *accumulator) add(rec evidence.Record, row DecisionRow) {
	d := rec.Decision
	t := rec.Time.UTC()
	if a.first.IsZero() || t.Before(a.first) {
		a.first = t
	}
	if t.After(a.last) {
		a.last = t
	}
	ws := weekStart(t)
	w := a.byWeek[ws]
	if w == nil {
		w = &Week{Start: ws.Format("2006-01-02")}
		a.byWeek[ws] = w
	}
	switch d.Decision {
	case engine.Allow:
		a.totals.Allow++
		w.Allow++
	case engine.Deny:
		a.totals.Deny++
		w.Deny++
	case engine.RequireApproval:
		a.totals.RequireApproval++
		w.RequireApproval++
	}
	approvals := len(row.Approvals)
	a.totals.Records++
	a.totals.Approvals += approvals
	a.totals.Findings += len(rec.Findings)
	a.totals.Violations += len(d.Violations)
	if row.BreakGlass != nil {
		a.totals.BreakGlass++
	}
	touched := make([]bool, len(a.controls))
	for _, v := range d.Violations {
		blocked, toApproval := enforcedAs(v)
		if waived(v) {
			a.totals.Exceptions++
		}
		if blocked {
			a.totals.Blocked++
		}
		if toApproval {
			a.totals.SentToApproval++
		}
		exact := map[string]bool{}
		for _, ref := range v.Controls {
			switch id, kind := a.f.resolve(ref); kind {
			case refControl:
				exact[id] = true
			case refGroup:
				a.countGroup(id, v.Rule)
			}
		}
		for id, rules := range a.groupRules {
			if contains(rules, v.Rule) && !refersTo(a.f, v.Controls, id) {
				a.countGroup(id, v.Rule)
			}
		}
		for i := range a.controls {
			c := &a.controls[i]
			if !a.rules[i][v.Rule] && !exact[c.ID] {
				continue
			}
			touched[i] = true
			c.Violations++
			c.ViolationsByRule[v.Rule]++
			if blocked {
				c.Blocked++
			}
			if toApproval {
				c.SentToApproval++
			}
			if waived(v) {
				c.Exceptions++
			}
		}
	}
	for i := range a.controls {
		c := &a.controls[i]
		counted := touched[i] || hasKind(c.Evidence, EvidenceDecisions)
		if counted {
			c.Decisions++
		}
		if counted || hasKind(c.Evidence, EvidenceApprovals) {
			c.Approvals += approvals
			if row.Duties != nil {
				c.DutiesChecked++
				if !row.Duties.OK() {
					c.DutiesFailed++
				}
			}
			if row.BreakGlass != nil {
				c.BreakGlass++
			}
		}
		if counted || hasKind(c.Evidence, EvidenceSignatures) {
			switch row.Evidence {
			case EvidenceVerified:
				c.EvidenceValid++
			case EvidenceFailed:
				c.EvidenceFailed++
			case EvidenceSigned:
				c.EvidencePresent++
			}
		}
	}
}

// enforcedAs says whether gov enforced a violation as a block (deny) or as
// a demand for approval: not waived by an exception, not downgraded by
// enforcement "warn".
func enforcedAs(v engine.Violation) (blocked, toApproval bool) {
	if waived(v) {
		return false, false
	}
	if v.Enforced != nil && !*v.Enforced {
		return false, false
	}
	return v.Action == engine.ActionDeny, v.Action == engine.ActionRequireApproval
}

// waived reports whether a live exception covered v (an expired one is
// recorded as "exception expired on DATE" and waives nothing).
func waived(v engine.Violation) bool {
	return v.Exception != "" && !strings.HasPrefix(v.Exception, "exception expired")
}

func (a *accumulator) countGroup(id, rule string) {
	g := a.groupCounts[id]
	if g == nil {
		g = &GroupReport{ID: id, Controls: a.f.GroupControls(id), Policies: []string{}, ByRule: map[string]int{}}
		a.groupCounts[id] = g
	}
	g.Violations++
	g.ByRule[rule]++
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
