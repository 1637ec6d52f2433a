package frameworks

import (
	"time"

	"github.com/gov-policy/gov/evidence"
)

// accumulator counts records into per-control and total figures.
type accumulator struct {
	f           *Framework
	controls    []ControlReport
	rules       []map[string]bool // per control: its mapped rule ids
	totals      Totals
	byWeek      map[time.Time]*Week
	first, last time.Time
}

func newAccumulator(f *Framework, m Mapping) *accumulator {
	a := &accumulator{f: f, byWeek: map[time.Time]*Week{}}
	for _, c := range f.Controls {
		cr := ControlReport{
			ID: c.ID, Title: c.Title, Description: c.Description,
			Evidence: append([]string{}, c.Evidence...), Status: StatusGap,
			Policies: append([]string{}, m.Rules[c.ID]...), MissingPolicies: m.Missing[c.ID],
			ViolationsByRule: map[string]int{},
		}
		if len(cr.Policies) > 0 {
			cr.Status = StatusCovered
		}
		set := map[string]bool{}
		for _, p := range cr.Policies {
			set[p] = true
		}
		a.controls = append(a.controls, cr)
		a.rules = append(a.rules, set)
	}
	return a
}

// add counts one record.
func (a *accumulator) add(rec evidence.Record, signed bool) {
	t := rec.Time.UTC()
	a.addGroup(evidence.SummaryGroup{Summary: evidence.Summarize(rec), Signed: signed, Count: 1, First: t, Last: t})
}

// addGroup counts g.Count records of one week with the same summary: one
// record is a group of one, and a store that aggregates (the PostgreSQL
// one) hands whole groups, so both count the same way.
func (a *accumulator) addGroup(g evidence.SummaryGroup) {
	d, n, signed := g.Summary, g.Count, g.Signed
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
	case "allow":
		a.totals.Allow += n
		w.Allow += n
	case "deny":
		a.totals.Deny += n
		w.Deny += n
	case "require_approval":
		a.totals.RequireApproval += n
		w.RequireApproval += n
	}
	approvals := d.Approvals * n
	a.totals.Records += n
	a.totals.Approvals += approvals
	a.totals.Findings += d.Findings * n
	a.totals.Violations += len(d.Violations) * n
	if signed {
		a.totals.SignedEvidence += n
	}
	for _, v := range d.Violations {
		if v.Exception {
			a.totals.Exceptions += n
		}
	}
	touched := make([]bool, len(a.controls))
	for _, v := range d.Violations {
		named := map[string]bool{}
		for _, id := range a.f.ControlsOf(v.Controls) {
			named[id] = true
		}
		for i := range a.controls {
			c := &a.controls[i]
			if !a.rules[i][v.Rule] && !named[c.ID] {
				continue
			}
			touched[i] = true
			c.Violations += n
			c.ViolationsByRule[v.Rule] += n
			if v.Exception {
				c.Exceptions += n
			}
		}
	}
	for i := range a.controls {
		c := &a.controls[i]
		counted := touched[i] || hasKind(c.Evidence, EvidenceDecisions)
		if counted {
			c.Decisions += n
		}
		if counted || hasKind(c.Evidence, EvidenceApprovals) {
			c.Approvals += approvals
		}
		if signed && (counted || hasKind(c.Evidence, EvidenceSignatures)) {
			c.SignedEvidence += n
		}
	}
}

func hasKind(kinds []string, kind string) bool {
	for _, k := range kinds {
		if k == kind {
			return true
		}
	}
	return false
}
