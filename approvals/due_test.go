package approvals

import (
	"testing"
	"time"
)

// TestEscalationDue: the time gov serve's timer looks at a waiting PR
// again is the first unsatisfied stage's timeout, counted as escalations
// are; none when that stage has no timeout or nothing waits.
func TestEscalationDue(t *testing.T) {
	hours := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	withTimeouts := func(in Input) Input {
		in.Workflow.Stages[0].TimeoutHours = 4
		if len(in.Workflow.Stages) > 1 {
			in.Workflow.Stages[1].TimeoutHours = 8
		}
		return in
	}
	tests := []struct {
		name string
		in   Input
		want time.Time
	}{
		{"first stage: from the PR's creation", withTimeouts(input(oneStage("sre"))), hours(4)},
		{"later stage: from the previous stage's satisfaction", withTimeouts(input(twoStages(), review(10, carol, "carol", Approved, head, 6*60))), hours(6 + 8)},
		{"satisfied: nothing due", withTimeouts(input(oneStage("sre"), approve(10, bob, "bob", 1))), time.Time{}},
		{"no timeout: nothing due", input(oneStage("sre")), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = hours(1)
			if got := mustEvaluate(t, tt.in, newFakeTeams()).EscalationDue; !got.Equal(tt.want) {
				t.Errorf("EscalationDue = %s, want %s", got, tt.want)
			}
		})
	}
}
