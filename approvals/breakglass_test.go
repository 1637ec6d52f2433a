package approvals

import (
	"strings"
	"testing"
	"time"
)

func labeled(by int64, login string, added bool, min int) LabelEvent {
	return LabelEvent{Label: DefaultBreakGlassLabel, ActorID: by, ActorLogin: login, Added: added, At: at(min), HeadSHA: head}
}

func TestBreakGlass(t *testing.T) {
	tests := []struct {
		name    string
		labels  []string
		events  []LabelEvent
		bots    bool
		by      string // "" when break-glass must not apply
		ignored string
	}{
		{
			name:   "label added by a user holding break_glass",
			labels: []string{"bug", DefaultBreakGlassLabel},
			events: []LabelEvent{labeled(carol, "carol", true, 3)},
			by:     "carol",
		},
		{
			name:   "label added by a member of a team holding break_glass",
			labels: []string{DefaultBreakGlassLabel},
			events: []LabelEvent{labeled(carol, "carol-in-team", true, 3)},
			by:     "carol-in-team",
		},
		{
			name:    "label added by someone without break_glass is ignored and reported",
			labels:  []string{DefaultBreakGlassLabel},
			events:  []LabelEvent{labeled(bob, "bob", true, 3)},
			ignored: "break-glass label \"gov/break-glass\" added by bob ignored: holds no role with the break_glass permission (ghosts, sec-team, security)",
		},
		{
			name:   "label removed since is not honoured",
			labels: []string{"bug"},
			events: []LabelEvent{labeled(carol, "carol", true, 3), labeled(bob, "bob", false, 4)},
		},
		{
			name:   "label re-added by someone without break_glass after a holder's is not honoured",
			labels: []string{DefaultBreakGlassLabel},
			events: []LabelEvent{
				labeled(bob, "bob", true, 5), labeled(carol, "carol", true, 3), labeled(bob, "bob", false, 4),
			},
			ignored: "added by bob ignored",
		},
		{
			name:    "label present without a labeled event is not honoured",
			labels:  []string{DefaultBreakGlassLabel},
			ignored: "no labeled event shows who added it",
		},
		{
			name:    "a bot adding the label is ignored without allow_bots",
			labels:  []string{DefaultBreakGlassLabel},
			events:  []LabelEvent{labeled(healer, "healer-bot[bot]", true, 3)},
			ignored: "bots may not break glass",
		},
		{
			name:    "a team membership that cannot be confirmed does not break glass",
			labels:  []string{DefaultBreakGlassLabel},
			events:  []LabelEvent{labeled(gina, "gina", true, 3)},
			ignored: "team acme/ghost unverifiable: 403",
		},
		{
			name:    "label given on an earlier head does not allow the pushed one",
			labels:  []string{DefaultBreakGlassLabel},
			events:  []LabelEvent{{Label: DefaultBreakGlassLabel, ActorID: carol, ActorLogin: "carol", Added: true, At: at(3), HeadSHA: "0123456789012345678901234567890123456789"}},
			ignored: "break-glass label present but not given for head " + head + ": add it again (label \"gov/break-glass\" added by carol at",
		},
		{
			name:    "label whose head is unknown does not break glass",
			labels:  []string{DefaultBreakGlassLabel},
			events:  []LabelEvent{{Label: DefaultBreakGlassLabel, ActorID: carol, ActorLogin: "carol", Added: true, At: at(3)}},
			ignored: "not given for head " + head + ": add it again (label \"gov/break-glass\" added by carol at 2026-03-01T09:03:00Z on an unknown head)",
		},
		{
			name:   "another label added by a holder does not break glass",
			labels: []string{"gov/other"},
			events: []LabelEvent{{Label: "gov/other", ActorID: carol, ActorLogin: "carol", Added: true, At: at(3)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(oneStage("sre"))
			in.PR.Labels, in.PR.LabelEvents, in.AllowBots = tt.labels, tt.events, tt.bots
			res := mustEvaluate(t, in, newFakeTeams())
			if tt.by == "" {
				if res.BreakGlass != nil || res.Satisfied {
					t.Fatalf("break-glass applied: %+v (satisfied %v)", res.BreakGlass, res.Satisfied)
				}
			} else {
				if res.BreakGlass == nil || res.BreakGlass.ByLogin != tt.by || !res.Satisfied || res.Pending != "" {
					t.Fatalf("break-glass = %+v, satisfied %v, pending %q; want by %s", res.BreakGlass, res.Satisfied, res.Pending, tt.by)
				}
				if res.BreakGlass.At != at(3) || res.BreakGlass.Label != DefaultBreakGlassLabel {
					t.Errorf("break-glass = %+v", res.BreakGlass)
				}
				if res.Stages[0].Satisfied {
					t.Errorf("break-glass must not mark stages approved: %+v", res.Stages)
				}
			}
			if got := reasons(res); !strings.Contains(got, tt.ignored) || (tt.ignored == "" && got != "") {
				t.Errorf("ignored = %q, want %q", got, tt.ignored)
			}
		})
	}
}

func TestBreakGlassCustomLabel(t *testing.T) {
	in := input(oneStage("sre"))
	in.BreakGlassLabel = "emergency"
	in.PR.Labels = []string{"Emergency"}
	in.PR.LabelEvents = []LabelEvent{{Label: "emergency", ActorID: carol, ActorLogin: "carol", Added: true, At: at(1), HeadSHA: head}}
	res := mustEvaluate(t, in, newFakeTeams())
	if res.BreakGlass == nil || res.BreakGlass.Label != "emergency" {
		t.Fatalf("break-glass = %+v", res.BreakGlass)
	}
}

func TestEscalation(t *testing.T) {
	hours := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	withTimeouts := func(in Input) Input {
		in.Workflow.Stages[0].TimeoutHours = 4
		if len(in.Workflow.Stages) > 1 {
			in.Workflow.Stages[1].TimeoutHours = 8
		}
		return in
	}
	tests := []struct {
		name      string
		in        Input
		now       time.Time
		escalated []int
		stage     int // 0: no escalation
		mention   string
	}{
		{name: "past the first stage's timeout escalates to escalate_to", in: withTimeouts(input(oneStage("sre"))), now: hours(5), stage: 1, mention: "@carol"},
		{name: "within the timeout does not escalate", in: withTimeouts(input(oneStage("sre"))), now: hours(3)},
		{name: "an escalated stage is not escalated twice", in: withTimeouts(input(oneStage("sre"))), now: hours(5), escalated: []int{1}},
		{name: "a satisfied workflow does not escalate", in: withTimeouts(input(oneStage("sre"), approve(10, bob, "bob", 1))), now: hours(50)},
		{
			name: "a later stage's timeout runs from the previous stage's satisfaction",
			in:   withTimeouts(input(twoStages(), review(10, carol, "carol", Approved, head, 6*60))), now: hours(13),
		},
		{
			name: "a later stage escalates past its own timeout",
			in:   withTimeouts(input(twoStages(), review(10, carol, "carol", Approved, head, 6*60))), now: hours(15), stage: 2, mention: "@carol",
		},
		{
			name: "without escalate_to the stage's approvers are mentioned",
			in: func() Input {
				in := withTimeouts(withRoles(input(oneStage("sre")), "sre", "user:erin"))
				in.Workflow.EscalateTo = ""
				return in
			}(),
			now: hours(5), stage: 1, mention: "@acme/sre @erin",
		},
		{name: "a stage without timeout never escalates", in: input(oneStage("sre")), now: hours(500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now, tt.in.EscalatedStages = tt.now, tt.escalated
			res := mustEvaluate(t, tt.in, newFakeTeams())
			if tt.stage == 0 {
				if res.Escalate != nil {
					t.Fatalf("Escalate = %+v, want none", res.Escalate)
				}
				return
			}
			if res.Escalate == nil || res.Escalate.Stage != tt.stage || res.Escalate.Mention != tt.mention {
				t.Fatalf("Escalate = %+v, want stage %d mentioning %q", res.Escalate, tt.stage, tt.mention)
			}
		})
	}
}
