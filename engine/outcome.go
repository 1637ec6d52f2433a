package engine

import (
	"encoding/json"
	"fmt"
	"time"
)

// Allowed reports whether the change may go in (decision allow).
func (d *Decision) Allowed() bool { return d != nil && d.Decision == Allow }

// ApprovalRequired reports whether the change waits for approval.
func (d *Decision) ApprovalRequired() bool { return d != nil && d.Decision == RequireApproval }

// decisionFields is Decision without its methods, for encoding.
type decisionFields Decision

// decisionWire is the JSON form: the derived fields right after decision.
type decisionWire struct {
	Decision         string `json:"decision"`
	Allowed          *bool  `json:"allowed"`
	ApprovalRequired *bool  `json:"approval_required"`
	*decisionFields
}

// MarshalJSON writes allowed and approval_required from the outcome.
func (d Decision) MarshalJSON() ([]byte, error) {
	allowed, approval := d.Allowed(), d.ApprovalRequired()
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
	d.Decision, d.EvaluatedAt = w.Decision, time.Time{}
	if at := string(w.EvaluatedAt); at != "" && at != `""` && at != "null" {
		if err := d.EvaluatedAt.UnmarshalJSON(w.EvaluatedAt); err != nil {
			return fmt.Errorf("evaluated_at: %w", err)
		}
	}
	return nil
}
