package approvals

import (
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

func waiting() *engine.Decision {
	wf := oneStage("sre")
	return &engine.Decision{Decision: engine.RequireApproval, Reason: "production needs approval",
		Enforcement: engine.EnforcementStrict, Workflow: &wf, PendingReason: "waiting"}
}

func TestApply(t *testing.T) {
	approved := mustEvaluate(t, input(oneStage("sre"), approve(10, bob, "bob", 1)), newFakeTeams())
	none := mustEvaluate(t, input(oneStage("sre")), newFakeTeams())
	glass := input(oneStage("sre"))
	glass.PR.Labels = []string{DefaultBreakGlassLabel}
	glass.PR.LabelEvents = []LabelEvent{labeled(carol, "carol", true, 3)}
	broken := mustEvaluate(t, glass, newFakeTeams())
	tests := []struct {
		name     string
		d        *engine.Decision
		r        Result
		decision engine.Outcome
		reason   string
		pending  string
	}{
		{"all stages approved allows and names the approvers", waiting(), approved, engine.Allow, "approved by bob (SRE review) (was: production needs approval)", ""},
		{"missing approval keeps waiting with the pending reason", waiting(), none, engine.RequireApproval, "production needs approval", `waiting for 1 approval from sre (stage "SRE review")`},
		{"break-glass allows and says so first", waiting(), broken, engine.Allow, `BREAK-GLASS: label "gov/break-glass" added by carol at 2026-03-01T09:03:00Z`, ""},
		{"a deny is never turned into allow", &engine.Decision{Decision: engine.Deny, Reason: "secret"}, approved, engine.Deny, "secret", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Apply(tt.d, tt.r)
			if tt.d.Decision != tt.decision || tt.d.Allowed() != (tt.decision == engine.Allow) || !strings.HasPrefix(tt.d.Reason, tt.reason) || tt.d.PendingReason != tt.pending {
				t.Errorf("decision = %s allowed=%v reason %q pending %q", tt.d.Decision, tt.d.Allowed(), tt.d.Reason, tt.d.PendingReason)
			}
			if tt.d.Workflow != nil && tt.d.Decision == engine.Allow && !tt.d.Passed() {
				t.Errorf("summary.passed not set")
			}
		})
	}
}

func TestIncompleteNeverAllows(t *testing.T) {
	b := &bundles.Bundle{Roles: roles(), Config: bundles.Config{DefaultWorkflow: "prod"},
		Workflows: map[string]bundles.Workflow{"prod": {Stages: []bundles.Stage{{Name: "SRE", ApproverRoles: []string{"sre"}, MinApprovals: 2}}}}}
	d := &engine.Decision{Decision: engine.Allow, Reason: "no policy violations", Enforcement: engine.EnforcementStrict}
	Incomplete(d, "diff unavailable (4000 files): evaluated from the files list", b)
	if d.Decision != engine.RequireApproval || d.Allowed() || d.Workflow == nil || d.Workflow.Name != "prod" || d.Workflow.Stages[0].MinApprovals != 2 {
		t.Fatalf("decision = %+v (workflow %+v)", d, d.Workflow)
	}
	if !strings.HasPrefix(d.Reason, "diff unavailable") {
		t.Errorf("reason = %q", d.Reason)
	}
	deny := &engine.Decision{Decision: engine.Deny, Reason: "secret"}
	Incomplete(deny, "diff unavailable", b)
	if deny.Decision != engine.Deny {
		t.Errorf("deny became %s", deny.Decision)
	}
	if wf := FallbackWorkflow(&bundles.Bundle{Roles: roles()}); wf.Name != "default" || strings.Join(wf.Stages[0].ApproverRoles, ",") != "ghosts,healer,security,sre" {
		t.Errorf("fallback = %+v", wf)
	}
}
