package evidence

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gov-policy/gov/engine"
)

// SummaryVersion is the version of RecordSummary a store writes now. A
// row summarized by an older gov carries an older one (rows are never
// rewritten): Summaries then fails with ErrSummaryOutdated and the report
// reads the records themselves.
const SummaryVersion = 2

// ErrSummaryOutdated: the store holds records summarized by an older gov.
var ErrSummaryOutdated = errors.New("audit store: records summarized by an older gov")

// RecordSummary is what a compliance report counts of one record (see
// frameworks): everything its totals, controls, weeks, revisions and
// duties need, and nothing unique to the record unless the report lists
// the record by name (a break-glass use, failed duties), so that the
// PostgreSQL store can group records by it and a report over a year of
// records is one SQL aggregate. The PostgreSQL store keeps it beside each
// record, covered by the chain; its JSON form is that column, field names
// short on purpose.
type RecordSummary struct {
	Version     int                `json:"s"`
	Decision    engine.Outcome     `json:"d"`
	Approvals   int                `json:"a,omitempty"`
	Findings    int                `json:"f,omitempty"`
	Violations  []SummaryViolation `json:"v,omitempty"`
	Revision    string             `json:"b,omitempty"`
	Repository  string             `json:"r,omitempty"`
	Service     string             `json:"sv,omitempty"`
	Environment string             `json:"e,omitempty"`
	// DutiesChecked: the decision had approvals or break-glass; Duties are
	// the problems its segregation-of-duties check found.
	DutiesChecked bool     `json:"k,omitempty"`
	Duties        []string `json:"p,omitempty"`
	// BreakGlass is the decision's reason when break-glass was used.
	BreakGlass *string `json:"g,omitempty"`
	// RequestID is set only when the report names the record (break-glass
	// used or duties failed).
	RequestID string `json:"id,omitempty"`
}

// SummaryViolation is one violation of a RecordSummary.
type SummaryViolation struct {
	Rule string `json:"r"`
	// Blocked and ToApproval: enforced as deny and as require_approval.
	Blocked    bool     `json:"x,omitempty"`
	ToApproval bool     `json:"y,omitempty"`
	Waived     bool     `json:"e,omitempty"`
	Controls   []string `json:"c,omitempty"`
}

// Summarize is rec's summary.
func Summarize(rec Record) RecordSummary {
	d := rec.Decision
	s := RecordSummary{Version: SummaryVersion, Findings: len(rec.Findings), Revision: rec.Bundle.Revision}
	if d == nil {
		return s
	}
	req := rec.Request
	s.Decision, s.Service, s.Environment = d.Decision, req.ServiceName, req.Environment
	if s.Revision == "" {
		s.Revision = d.Bundle.Revision
	}
	if pr, ok := req.Metadata["pr"].(map[string]any); ok {
		s.Repository, _ = pr["repository"].(string)
	}
	approvals := Approvals(d)
	s.Approvals = len(approvals)
	bg := BreakGlassOf(d)
	if c := CheckDuties(req.RequestedBy, approvals, bg, d.Workflow); c != nil {
		s.DutiesChecked, s.Duties = true, c.Problems
	}
	if bg != nil {
		reason := bg.Reason
		s.BreakGlass = &reason
	}
	if bg != nil || len(s.Duties) > 0 {
		s.RequestID = req.RequestID
		if s.RequestID == "" {
			s.RequestID = d.RequestID
		}
	}
	for _, v := range d.Violations {
		blocked, toApproval := EnforcedAs(v)
		s.Violations = append(s.Violations, SummaryViolation{Rule: v.Rule, Blocked: blocked, ToApproval: toApproval,
			Waived: Waived(v), Controls: v.Controls})
	}
	return s
}

// summaryJSON is the stored form of rec's summary.
func summaryJSON(rec Record) (string, error) {
	b, err := json.Marshal(Summarize(rec))
	return string(b), err
}

// SummaryGroup counts the records of one week (Monday, UTC) that have the
// same summary and signature state.
type SummaryGroup struct {
	Summary     RecordSummary
	Signed      bool
	Count       int
	First, Last time.Time
}

// Summarizer is an audit store that aggregates records itself: gov report
// reads groups instead of every record. It trusts the rows it aggregates
// (no digest is recomputed): `gov audit verify --chain` checks them.
type Summarizer interface {
	// Summaries aggregates the records made at or after since and not
	// after until (zero: no bound), groups in order of their first record;
	// it fails with ErrSummaryOutdated when one of them has an older summary.
	Summaries(since, until time.Time, fn func(SummaryGroup) error) error
	// WalkSummaries lists the same records one by one, in list order, with
	// their digest (hex) and, when withSummary, summary, without reading
	// the records.
	WalkSummaries(since, until time.Time, withSummary bool, fn func(digest string, at time.Time, sum RecordSummary) error) error
	// WalkDigests is Walk over the records named by digests (hex) only.
	WalkDigests(digests []string, fn func(Entry, Record) error) ([]error, error)
}
