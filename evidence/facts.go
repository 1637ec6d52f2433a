package evidence

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
)

// What a compliance report reads of a decision: its approvals, a
// break-glass use and the segregation-of-duties check. They live here, not
// in the report, because a store keeps them in each record's summary when
// it writes it (RecordSummary) and the report derives its rows from the same
// functions: one derivation for both.

// StageApproval is one approval counted for a decision's workflow stage.
type StageApproval struct {
	Stage    string    `json:"stage"`
	Roles    []string  `json:"roles"`
	Approver string    `json:"approver"`
	UserID   int64     `json:"user_id,omitempty"`
	ReviewID int64     `json:"review_id,omitempty"`
	At       time.Time `json:"approved_at,omitzero"`
}

// BreakGlassUse is a use of the break-glass path: who, when, on which
// commit and why (the decision's reason as gov recorded it).
type BreakGlassUse struct {
	By     string    `json:"by"`
	At     time.Time `json:"at,omitzero"`
	SHA    string    `json:"sha,omitempty"`
	Reason string    `json:"reason"`
}

// DutiesCheck is the segregation-of-duties test of one decision's approvals.
type DutiesCheck struct {
	// AuthorNotApprover: the requester (the PR author) approved nothing.
	AuthorNotApprover bool `json:"author_not_approver"`
	// ApproversHeldRole: every approval was given under a stage that names
	// approver roles (gov counts an approval only from a holder of one).
	ApproversHeldRole bool `json:"approvers_held_role"`
	// StagesInOrder: each stage was satisfied no earlier than the one before.
	StagesInOrder bool `json:"stages_in_order"`
	// Problems says what failed, one line each.
	Problems []string `json:"problems"`
}

// OK reports whether every check passed.
func (c DutiesCheck) OK() bool { return len(c.Problems) == 0 }

// Approvals lists a decision's approvals, stage by stage: a stage's
// reviews when it has them (gov pr, gov serve), else its approved_by logins.
func Approvals(d *engine.Decision) []StageApproval {
	out := []StageApproval{}
	if d == nil || d.Workflow == nil {
		return out
	}
	for _, s := range d.Workflow.Stages {
		roles := append([]string{}, s.ApproverRoles...)
		if len(s.Reviews) > 0 {
			for _, r := range s.Reviews {
				out = append(out, StageApproval{Stage: s.Name, Roles: roles, Approver: r.Login, UserID: r.UserID,
					ReviewID: r.ReviewID, At: r.SubmittedAt.UTC()})
			}
			continue
		}
		for _, by := range s.ApprovedBy {
			out = append(out, StageApproval{Stage: s.Name, Roles: roles, Approver: by})
		}
	}
	return out
}

// breakGlassPrefix starts the reason of a decision allowed by break-glass
// (approvals.Apply).
const breakGlassPrefix = "BREAK-GLASS: "

// BreakGlassOf is the break-glass use a decision records, or nil.
func BreakGlassOf(d *engine.Decision) *BreakGlassUse {
	// The decision's own record of it (gov pr since break-glass was bound
	// to its head commit).
	if b := d.BreakGlass; b != nil {
		return &BreakGlassUse{By: b.By, At: b.At.UTC(), SHA: b.HeadSHA, Reason: d.Reason}
	}
	if !strings.HasPrefix(d.Reason, breakGlassPrefix) {
		return nil
	}
	// Older records say it only in the reason:
	// "BREAK-GLASS: label "x" added by LOGIN at RFC3339[ for head SHA]; ...".
	bg := &BreakGlassUse{Reason: d.Reason}
	rest := d.Reason[len(breakGlassPrefix):]
	if _, after, ok := strings.Cut(rest, " added by "); ok {
		by, when, _ := strings.Cut(after, " at ")
		bg.By = by
		if ts, _, ok := strings.Cut(when, ";"); ok {
			ts, bg.SHA, _ = strings.Cut(ts, " for head ")
			if t, err := time.Parse(time.RFC3339, strings.TrimSpace(ts)); err == nil {
				bg.At = t.UTC()
			}
		}
	}
	return bg
}

// CheckDuties is the segregation-of-duties check of a decision's approvals
// and break-glass use; nil when it had neither (nothing to check).
func CheckDuties(requester string, approvals []StageApproval, bg *BreakGlassUse, wf *engine.WorkflowResult) *DutiesCheck {
	if len(approvals) == 0 && bg == nil {
		return nil
	}
	c := DutiesCheck{AuthorNotApprover: true, ApproversHeldRole: true, StagesInOrder: true, Problems: []string{}}
	for _, a := range approvals {
		if requester != "" && strings.EqualFold(a.Approver, requester) {
			c.AuthorNotApprover = false
			c.Problems = append(c.Problems, "the requester "+requester+" approved stage "+strconv.Quote(a.Stage))
		}
		if len(a.Roles) == 0 {
			c.ApproversHeldRole = false
			c.Problems = append(c.Problems, a.Approver+" approved stage "+strconv.Quote(a.Stage)+", which names no approver role")
		}
	}
	if wf != nil {
		var prev time.Time
		prevName := ""
		for _, s := range wf.Stages {
			at, ok := satisfiedAt(s)
			if !ok {
				continue
			}
			if !prev.IsZero() && at.Before(prev) {
				c.StagesInOrder = false
				c.Problems = append(c.Problems, "stage "+strconv.Quote(s.Name)+" was satisfied before stage "+strconv.Quote(prevName))
			}
			prev, prevName = at, s.Name
		}
	}
	if bg != nil && bg.By != "" && strings.EqualFold(bg.By, requester) {
		c.AuthorNotApprover = false
		c.Problems = append(c.Problems, "the requester "+requester+" used break-glass on their own change")
	}
	return &c
}

// satisfiedAt is when a satisfied stage got its min_approvals-th approval,
// known only when its reviews carry times.
func satisfiedAt(s engine.StageResult) (time.Time, bool) {
	if !s.Satisfied || len(s.Reviews) == 0 {
		return time.Time{}, false
	}
	times := make([]time.Time, len(s.Reviews))
	for i, r := range s.Reviews {
		times[i] = r.SubmittedAt
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	n := min(max(s.MinApprovals, 1), len(times))
	return times[n-1], true
}

// Waived reports whether a live exception covered v (an expired one is
// recorded as "exception expired on DATE" and waives nothing).
func Waived(v engine.Violation) bool {
	return v.Exception != "" && !strings.HasPrefix(v.Exception, "exception expired")
}

// EnforcedAs says whether gov enforced a violation as a block (deny) or as
// a demand for approval: not waived by an exception, not downgraded by
// enforcement "warn".
func EnforcedAs(v engine.Violation) (blocked, toApproval bool) {
	if Waived(v) {
		return false, false
	}
	if v.Enforced != nil && !*v.Enforced {
		return false, false
	}
	return v.Action == engine.ActionDeny, v.Action == engine.ActionRequireApproval
}
