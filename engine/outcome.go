package engine

import (
	"encoding/json"
	"fmt"
	"time"
)

// Valid reports whether o is one of the three outcomes.
func (o Outcome) Valid() bool { return o == Allow || o == Deny || o == RequireApproval }

// ParseOutcome reads an outcome; anything outside the closed set is an
// error, so that no unknown word can pass for allow.
func ParseOutcome(s string) (Outcome, error) {
	if o := Outcome(s); o.Valid() {
		return o, nil
	}
	return "", fmt.Errorf("unknown decision %q (want allow, deny or require_approval)", s)
}

// UnmarshalJSON reads an outcome, refusing one outside the closed set.
func (o *Outcome) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("decision: %w", err)
	}
	v, err := ParseOutcome(s)
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// Allowed reports whether the change may go in (decision allow).
func (d *Decision) Allowed() bool { return d != nil && d.Decision == Allow }

// ApprovalRequired reports whether the change waits for approval.
func (d *Decision) ApprovalRequired() bool { return d != nil && d.Decision == RequireApproval }

// decisionFields is Decision without its methods, for encoding.
type decisionFields Decision

// decisionWire is the JSON form: the derived fields right after decision.
type decisionWire struct {
	Decision         Outcome `json:"decision"`
	Allowed          *bool   `json:"allowed"`
	ApprovalRequired *bool   `json:"approval_required"`
	*decisionFields
}

// MarshalJSON writes allowed and approval_required from the outcome.
func (d Decision) MarshalJSON() ([]byte, error) {
	allowed, approval := d.Allowed(), d.ApprovalRequired()
	d.Summary.passed = d.Passed()
	return json.Marshal(decisionWire{Decision: d.Decision, Allowed: &allowed, ApprovalRequired: &approval, decisionFields: (*decisionFields)(&d)})
}

// decisionIn is the JSON form as read: evaluated_at may be "" in records
// written before it was a time.
type decisionIn struct {
	decisionWire
	EvaluatedAt json.RawMessage `json:"evaluated_at"`
}

// UnmarshalJSON reads a decision. allowed and approval_required are
// derived, so what a record says of them is not read: records written
// before they were derived may disagree with their decision (the bug this
// removed wrote allow with approval_required true), and the decision wins.
func (d *Decision) UnmarshalJSON(data []byte) error {
	var w decisionIn
	w.decisionFields = (*decisionFields)(d)
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w.Decision == "" {
		return fmt.Errorf("decision: missing (want allow, deny or require_approval)")
	}
	d.Decision, d.EvaluatedAt = w.Decision, time.Time{}
	d.Unenforced = ""
	if d.Allowed() && d.Enforcement == EnforcementWarn && !d.Summary.passed {
		d.Unenforced = unenforced(d.Violations)
	}
	d.Summary.passed = false // read into Unenforced; only encoding sets it
	if at := string(w.EvaluatedAt); at != "" && at != `""` && at != "null" {
		if err := d.EvaluatedAt.UnmarshalJSON(w.EvaluatedAt); err != nil {
			return fmt.Errorf("evaluated_at: %w", err)
		}
	}
	return nil
}

// Passed reports whether the change passed as strict enforcement would
// judge it: allowed, and not only because enforcement warn let it through.
func (d *Decision) Passed() bool { return d.Allowed() && d.Unenforced == "" }

// summaryWire is the JSON form of a summary, passed first.
type summaryWire struct {
	Passed             bool     `json:"passed"`
	ErrorCount         int      `json:"error_count"`
	WarningCount       int      `json:"warning_count"`
	PolicyTypesChecked []string `json:"policy_types_checked"`
}

// MarshalJSON writes the summary with the passed its decision derived.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryWire{s.passed, s.ErrorCount, s.WarningCount, s.PolicyTypesChecked})
}

// UnmarshalJSON reads a summary, keeping passed for its decision to
// recover what enforcement warn did not enforce.
func (s *Summary) UnmarshalJSON(data []byte) error {
	var w summaryWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Summary{passed: w.Passed, ErrorCount: w.ErrorCount, WarningCount: w.WarningCount, PolicyTypesChecked: w.PolicyTypesChecked}
	return nil
}

// unenforced is what strict enforcement would have decided on the
// violations enforcement warn did not enforce.
func unenforced(vs []Violation) Outcome {
	out := RequireApproval
	for _, v := range vs {
		if v.Action == ActionDeny && v.Enforced != nil && !*v.Enforced && v.Exception == "" {
			out = Deny
		}
	}
	return out
}
