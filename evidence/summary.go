package evidence

import (
	"encoding/json"
	"time"

	"github.com/gov-policy/gov/engine"
)

// RecordSummary is what a compliance report counts of one record (see
// frameworks). The PostgreSQL store keeps it beside each record, covered by
// the chain, so that a report over a year of records is one SQL aggregate.
// Its JSON form is that column; field names are short on purpose.
type RecordSummary struct {
	Decision   engine.Outcome     `json:"d"`
	Approvals  int                `json:"a,omitempty"`
	Findings   int                `json:"f,omitempty"`
	Violations []SummaryViolation `json:"v,omitempty"`
}

// SummaryViolation is one violation of a RecordSummary.
type SummaryViolation struct {
	Rule      string   `json:"r"`
	Exception bool     `json:"e,omitempty"`
	Controls  []string `json:"c,omitempty"`
}

// Summarize is rec's summary.
func Summarize(rec Record) RecordSummary {
	d := rec.Decision
	s := RecordSummary{Decision: d.Decision, Findings: len(rec.Findings)}
	if d.Workflow != nil {
		for _, st := range d.Workflow.Stages {
			s.Approvals += len(st.ApprovedBy)
		}
	}
	for _, v := range d.Violations {
		s.Violations = append(s.Violations, SummaryViolation{Rule: v.Rule, Exception: v.Exception != "", Controls: v.Controls})
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
	Summaries(since time.Time, fn func(SummaryGroup) error) error
}
