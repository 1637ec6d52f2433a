package frameworks

import (
	"sort"
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
type ApprovalRow = evidence.StageApproval

// BreakGlass is a use of the break-glass path: who, when, on which commit
// and why (the decision's reason as gov recorded it).
type BreakGlass = evidence.BreakGlassUse

// DutiesCheck is the segregation-of-duties test of one decision's approvals.
type DutiesCheck = evidence.DutiesCheck

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
		Decision: d.Decision, Rules: []string{}, Exceptions: []string{},
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
		if evidence.Waived(v) {
			row.Exceptions = append(row.Exceptions, v.Rule+" ("+v.Exception+")")
		}
	}
	sort.Strings(row.Rules)
	row.Approvals = evidence.Approvals(d)
	row.BreakGlass = evidence.BreakGlassOf(d)
	row.Duties = evidence.CheckDuties(row.Requester, row.Approvals, row.BreakGlass, d.Workflow)
	return row
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
