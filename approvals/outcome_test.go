package approvals

import (
	"encoding/json"
	"testing"

	"github.com/gov-policy/gov/engine"
)

// TestApprovedDecisionHasOneOutcome: once approvals allow a decision that
// required approval, its JSON says allowed and no longer approval_required
// (they are derived from the one outcome, never set on their own).
func TestApprovedDecisionHasOneOutcome(t *testing.T) {
	for name, r := range map[string]Result{
		"approved":    {Satisfied: true, Stages: []engine.StageResult{{Name: "review", ApprovedBy: []string{"bob"}, Satisfied: true}}},
		"break-glass": {BreakGlass: &BreakGlass{Label: "gov/break-glass", ByLogin: "carol"}},
	} {
		t.Run(name, func(t *testing.T) {
			var d engine.Decision
			if err := json.Unmarshal([]byte(`{"decision":"require_approval","allowed":false,"approval_required":true,"reason":"x","workflow":{"name":"w","stages":[{"name":"review"}]}}`), &d); err != nil {
				t.Fatal(err)
			}
			Apply(&d, r)
			out, err := json.Marshal(&d)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Decision         engine.Outcome `json:"decision"`
				Allowed          bool           `json:"allowed"`
				ApprovalRequired bool           `json:"approval_required"`
			}
			_ = json.Unmarshal(out, &got)
			if got.Decision != engine.Allow || !got.Allowed || got.ApprovalRequired {
				t.Errorf("after approval: %s", out)
			}
		})
	}
}
