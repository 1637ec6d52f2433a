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
	case "allow":
		a.totals.Allow++
		w.Allow++
	case "deny":
		a.totals.Deny++
		w.Deny++
	case "require_approval":
		a.totals.RequireApproval++
		w.RequireApproval++
	}
	approvals := 0
	if d.Workflow != nil {
		for _, s := range d.Workflow.Stages {
			approvals += len(s.ApprovedBy)
		}
	}
	a.totals.Records++
	a.totals.Approvals += approvals
	a.totals.Findings += len(rec.Findings)
	a.totals.Violations += len(d.Violations)
	if signed {
		a.totals.SignedEvidence++
	}
	for _, v := range d.Violations {
		if v.Exception != "" {
			a.totals.Exceptions++
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
			c.Violations++
			c.ViolationsByRule[v.Rule]++
			if v.Exception != "" {
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
		}
		if signed && (counted || hasKind(c.Evidence, EvidenceSignatures)) {
			c.SignedEvidence++
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
