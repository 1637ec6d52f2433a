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
