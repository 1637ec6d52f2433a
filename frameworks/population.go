package frameworks

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// DecisionRow is one decision of the period as an auditor samples it: what
// was decided for which change, who approved it in which role, whether
// break-glass or exceptions were used, and the state of its signed evidence.
// Record names the audit record so that each sampled row can be found.
type DecisionRow struct {
	RequestID   string         `json:"request_id"`
	Time        time.Time      `json:"time"`
	Record      string         `json:"record"`
	Repository  string         `json:"repository,omitempty"`
	PR          int            `json:"pr,omitempty"`
	HeadSHA     string         `json:"head_sha,omitempty"`
	Service     string         `json:"service,omitempty"`
	Environment string         `json:"environment"`
	Requester   string         `json:"requester,omitempty"`
	Decision    engine.Outcome `json:"decision"`
	// Rules are the ids of the rules that fired, once each, sorted.
	Rules      []string      `json:"rules"`
	Approvals  []ApprovalRow `json:"approvals"`
	BreakGlass *BreakGlass   `json:"break_glass,omitempty"`
	// Exceptions are "rule (exception)" for each violation an exception covered.
	Exceptions []string `json:"exceptions"`
	// Evidence is verified, FAILED, unsigned, or signed (present, not
	// verified) when the report was built without a key or identity.
	Evidence       string `json:"evidence"`
	EvidenceReason string `json:"evidence_reason,omitempty"`
	// Duties is the segregation-of-duties check of the approvals (absent
	// when the decision had none).
	Duties *DutiesCheck `json:"segregation_of_duties,omitempty"`
	Bundle string       `json:"bundle_revision"`
}

// ApprovalRow is one approval counted for a decision's workflow stage.
type ApprovalRow struct {
	Stage    string    `json:"stage"`
	Roles    []string  `json:"roles"`
	Approver string    `json:"approver"`
	UserID   int64     `json:"user_id,omitempty"`
	ReviewID int64     `json:"review_id,omitempty"`
	At       time.Time `json:"approved_at,omitzero"`
}

// BreakGlass is a use of the break-glass path: who, when, on which commit
// and why (the decision's reason as gov recorded it).
type BreakGlass struct {
	By     string    `json:"by"`
	At     time.Time `json:"at,omitzero"`
	SHA    string    `json:"sha,omitempty"`
	Reason string    `json:"reason"`
}

// Evidence states of a row (evidence.State* plus "signed").
const (
	EvidenceVerified = evidence.StateVerified
	EvidenceFailed   = evidence.StateFailed
	EvidenceUnsigned = evidence.StateUnsigned
	// EvidenceSigned: evidence is present but the report was not asked to
	// verify it (no --key or identity).
	EvidenceSigned = "signed (not verified)"
)

// rowOf is the population row of one record.
func rowOf(e evidence.Entry, rec evidence.Record, ev evidence.RecordEvidence) DecisionRow {
	d := rec.Decision
	req := rec.Request
	row := DecisionRow{
		RequestID: firstNonEmpty(req.RequestID, d.RequestID), Time: rec.Time.UTC(), Record: e.Digest,
		Service: req.ServiceName, Environment: req.Environment, Requester: req.RequestedBy,
		Decision: d.Decision, Rules: []string{}, Approvals: []ApprovalRow{}, Exceptions: []string{},
		Evidence: ev.State, EvidenceReason: ev.Reason, Bundle: firstNonEmpty(rec.Bundle.Revision, d.Bundle.Revision),
	}
	if pr, ok := req.Metadata["pr"].(map[string]any); ok {
		row.Repository, _ = pr["repository"].(string)
		row.HeadSHA, _ = pr["head_sha"].(string)
		switch n := pr["number"].(type) {
		case float64:
			row.PR = int(n)
		case int:
			row.PR = n
		}
	}
	seen := map[string]bool{}
	for _, v := range d.Violations {
		if !seen[v.Rule] {
			seen[v.Rule] = true
			row.Rules = append(row.Rules, v.Rule)
		}
		if waived(v) {
			row.Exceptions = append(row.Exceptions, v.Rule+" ("+v.Exception+")")
		}
	}
	sort.Strings(row.Rules)
	if d.Workflow != nil {
		for _, s := range d.Workflow.Stages {
			row.Approvals = append(row.Approvals, stageApprovals(s)...)
		}
	}
	row.BreakGlass = breakGlassOf(d)
	if len(row.Approvals) > 0 || row.BreakGlass != nil {
		c := checkDuties(row, d.Workflow)
		row.Duties = &c
	}
	return row
}

// stageApprovals lists a stage's approvals: its reviews when it has them
// (gov pr, gov serve), else its approved_by logins.
func stageApprovals(s engine.StageResult) []ApprovalRow {
	var out []ApprovalRow
	roles := append([]string{}, s.ApproverRoles...)
	if len(s.Reviews) > 0 {
		for _, r := range s.Reviews {
			out = append(out, ApprovalRow{Stage: s.Name, Roles: roles, Approver: r.Login, UserID: r.UserID,
				ReviewID: r.ReviewID, At: r.SubmittedAt.UTC()})
		}
		return out
	}
	for _, by := range s.ApprovedBy {
		out = append(out, ApprovalRow{Stage: s.Name, Roles: roles, Approver: by})
	}
	return out
}

// breakGlassPrefix starts the reason of a decision allowed by break-glass
// (approvals.Apply).
const breakGlassPrefix = "BREAK-GLASS: "

// breakGlassOf is the break-glass use a decision records, or nil.
func breakGlassOf(d *engine.Decision) *BreakGlass {
	// The decision's own record of it (gov pr since break-glass was bound
	// to its head commit).
	if b := d.BreakGlass; b != nil {
		return &BreakGlass{By: b.By, At: b.At.UTC(), SHA: b.HeadSHA, Reason: d.Reason}
	}
	if !strings.HasPrefix(d.Reason, breakGlassPrefix) {
		return nil
	}
	// Older records say it only in the reason:
	// "BREAK-GLASS: label "x" added by LOGIN at RFC3339[ for head SHA]; ...".
	bg := &BreakGlass{Reason: d.Reason}
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

func checkDuties(row DecisionRow, wf *engine.WorkflowResult) DutiesCheck {
	c := DutiesCheck{AuthorNotApprover: true, ApproversHeldRole: true, StagesInOrder: true, Problems: []string{}}
	for _, a := range row.Approvals {
		if row.Requester != "" && strings.EqualFold(a.Approver, row.Requester) {
			c.AuthorNotApprover = false
			c.Problems = append(c.Problems, "the requester "+row.Requester+" approved stage "+strconv.Quote(a.Stage))
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
	if row.BreakGlass != nil && row.BreakGlass.By != "" && strings.EqualFold(row.BreakGlass.By, row.Requester) {
		c.AuthorNotApprover = false
		c.Problems = append(c.Problems, "the requester "+row.Requester+" used break-glass on their own change")
	}
	return c
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

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
