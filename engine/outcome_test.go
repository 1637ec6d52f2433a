package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestDecisionJSONDerivesFromOutcome: allowed and approval_required are
// written from the decision, in the contract's order; evaluated_at stays
// RFC 3339; a JSON decision whose derived fields disagree (a record of the
// old bug) is read by its decision.
func TestDecisionJSONDerivesFromOutcome(t *testing.T) {
	d := Decision{Decision: RequireApproval, Reason: "r", EvaluatedAt: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), `{"decision":"require_approval","allowed":false,"approval_required":true,"reason":"r",`) ||
		!strings.Contains(string(out), `"evaluated_at":"2026-03-10T12:00:00Z"`) {
		t.Errorf("JSON %s", out)
	}
	var back Decision
	if err := json.Unmarshal(out, &back); err != nil || back.Decision != RequireApproval || !back.EvaluatedAt.Equal(d.EvaluatedAt) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"decision":"allow","allowed":true,"approval_required":true,"evaluated_at":""}`), &back); err != nil ||
		!back.Allowed() || back.ApprovalRequired() || !back.EvaluatedAt.IsZero() {
		t.Errorf("old record: %+v, %v", back, err)
	}
	if out, _ := json.Marshal(back); !strings.Contains(string(out), `"allowed":true,"approval_required":false`) {
		t.Errorf("old record written back: %s", out)
	}
}

// TestSummaryPassedDerives: summary.passed follows the outcome: allow
// passes, except under enforcement warn when strict would have blocked;
// approvals that allow make it pass; it survives a JSON round trip.
func TestSummaryPassedDerives(t *testing.T) {
	f := false
	warned := Decision{Decision: Allow, Enforcement: EnforcementWarn, Unenforced: Deny,
		Violations: []Violation{{Rule: "r", Action: Deny, Enforced: &f}}}
	approved := Decision{Decision: RequireApproval}
	approved.Decision = Allow // what approvals do: the one outcome changes
	for name, tc := range map[string]struct {
		d    Decision
		want bool
	}{
		"allow": {Decision{Decision: Allow}, true}, "deny": {Decision{Decision: Deny}, false},
		"pending": {Decision{Decision: RequireApproval}, false}, "warn would deny": {warned, false},
		"approved": {approved, true},
	} {
		out, _ := json.Marshal(tc.d)
		if tc.d.Passed() != tc.want || !strings.Contains(string(out), `"summary":{"passed":`+map[bool]string{true: "true", false: "false"}[tc.want]) {
			t.Errorf("%s: Passed() %v, JSON %s; want %v", name, tc.d.Passed(), out, tc.want)
		}
		var back Decision
		if err := json.Unmarshal(out, &back); err != nil || back.Passed() != tc.want {
			t.Errorf("%s: after a round trip passed %v (%v)", name, back.Passed(), err)
		}
	}
}
