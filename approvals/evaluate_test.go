package approvals

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
)

// TestCountingRules is the security checklist of review counting.
func TestCountingRules(t *testing.T) {
	tests := []struct {
		name        string
		in          Input
		satisfied   bool
		approvedBy  [][]string
		ignored     []string // substrings expected in Ignored, in order of appearance
		pending     string
		stageStates []bool
	}{
		{
			name:       "team member approves the head commit",
			in:         input(oneStage("sre"), approve(10, bob, "bob", 1)),
			satisfied:  true,
			approvedBy: [][]string{{"bob"}},
		},
		{
			name:       "stale approval after a push does not count",
			in:         input(oneStage("sre"), review(10, bob, "bob", Approved, old, 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"bob#10: stale: approved commit 0000000, head is 1111111"},
			pending:    `waiting for 1 approval from sre (stage "SRE review")`,
		},
		{
			name:       "self-approval by the PR author does not count",
			in:         withRoles(input(oneStage("sre"), approve(10, alice, "alice", 1)), "sre", "user:alice#1"),
			approvedBy: [][]string{{}},
			ignored:    []string{"alice#10: self-approval"},
		},
		{
			name:       "a renamed author is still the author (compared by user id)",
			in:         withRoles(input(oneStage("sre"), approve(10, alice, "alice-renamed", 1)), "sre", "user:alice-renamed#1"),
			approvedBy: [][]string{{}},
			ignored:    []string{"alice-renamed#10: self-approval"},
		},
		{
			name:       "a login equal to a role member's but another user id is not that member (user: members are compared by id)",
			in:         input(oneStage("security"), approve(10, 333, "carol", 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"carol#10: not in role security"},
		},
		{
			name:       "a committer of the PR does not approve it",
			in:         withRoles(input(oneStage("sre"), approve(10, dave, "dave", 1)), "sre", "user:dave#4"),
			approvedBy: [][]string{{}},
			ignored:    []string{"dave#10: committer"},
		},
		{
			name: "no review counts when GitHub did not list every commit",
			in: func() Input {
				in := input(oneStage("sre"), approve(10, bob, "bob", 1))
				in.PR.CommitsIncomplete = true
				return in
			}(),
			approvedBy: [][]string{{}},
			ignored:    []string{"bob#10: committers unknown"},
		},
		{
			name: "changes requested after an approval blocks",
			in: input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, bob, "bob", ChangesRequested, head, 2)),
			approvedBy: [][]string{{}},
			ignored:    []string{"bob#10: superseded by a later review (changes requested)"},
			pending:    `changes requested by bob (stage "SRE review")`,
		},
		{
			name: "a later approval clears changes requested",
			in: input(oneStage("sre"), review(10, bob, "bob", ChangesRequested, old, 1),
				approve(11, bob, "bob", 2)),
			satisfied:  true,
			approvedBy: [][]string{{"bob"}},
		},
		{
			name: "a comment after an approval does not change it",
			in: input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, bob, "bob", Commented, head, 2)),
			satisfied:  true,
			approvedBy: [][]string{{"bob"}},
		},
		{
			name: "a role holder's changes requested blocks the stage",
			in: input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, frank, "frank", ChangesRequested, old, 2)),
			approvedBy: [][]string{{"bob"}},
			pending:    `changes requested by frank (stage "SRE review")`,
		},
		{
			name: "changes requested by someone without the role does not block",
			in: input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, zed, "zed", ChangesRequested, head, 2)),
			satisfied:  true,
			approvedBy: [][]string{{"bob"}},
		},
		{
			name:       "a dismissed review does not count",
			in:         input(oneStage("sre"), review(10, bob, "bob", Dismissed, head, 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"bob#10: dismissed"},
		},
		{
			name: "a review edited after the fact uses its latest version",
			in: input(oneStage("sre"), review(10, bob, "bob", Dismissed, head, 5),
				approve(10, bob, "bob", 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"bob#10: dismissed"},
		},
		{
			name:       "one person counts once per stage",
			in:         input(minApprovals(oneStage("sre"), 2), approve(10, bob, "bob", 1), approve(11, bob, "bob", 2)),
			approvedBy: [][]string{{"bob"}},
			ignored:    []string{"bob#10: superseded"},
			pending:    `waiting for 1 more approval from sre (stage "SRE review")`,
		},
		{
			name:       "two people satisfy a stage of two",
			in:         input(minApprovals(oneStage("sre"), 2), approve(10, bob, "bob", 1), approve(11, frank, "frank", 2)),
			satisfied:  true,
			approvedBy: [][]string{{"bob", "frank"}},
		},
		{
			name:        "one person cannot satisfy two stages",
			in:          withRoles(input(twoStages(), approve(10, carol, "carol", 1)), "sre", "user:carol#3"),
			approvedBy:  [][]string{{"carol"}, {}},
			stageStates: []bool{true, false},
			ignored:     []string{`carol#10: already counted in stage "Security review"`},
			pending:     `waiting for 1 approval from sre (stage "SRE review")`,
		},
		{
			name: "one person satisfies two stages when the workflow allows the same approver",
			in: func() Input {
				in := withRoles(input(twoStages(), approve(10, carol, "carol", 1)), "sre", "user:carol#3")
				in.AllowSameApprover = true
				return in
			}(),
			satisfied:   true,
			approvedBy:  [][]string{{"carol"}, {"carol"}},
			stageStates: []bool{true, true},
		},
		{
			name:        "approved after two stages",
			in:          input(twoStages(), approve(10, bob, "bob", 1), approve(11, carol, "carol", 2)),
			satisfied:   true,
			approvedBy:  [][]string{{"carol"}, {"bob"}},
			stageStates: []bool{true, true},
		},
		{
			name:        "stages are satisfied in order: a later stage's approval is listed but waits",
			in:          input(twoStages(), approve(10, bob, "bob", 1)),
			approvedBy:  [][]string{{}, {"bob"}},
			stageStates: []bool{false, false},
			pending:     `waiting for 1 approval from security (stage "Security review")`,
		},
		{
			name: "an approver who fits both stages is kept for the stage only they can satisfy",
			in: input(engine.WorkflowResult{Name: "w", Stages: []engine.StageResult{
				stage("Any", 1, "security", "sre"), stage("Security", 1, "security"),
			}}, approve(10, carol, "carol", 1), approve(11, bob, "bob", 2)),
			satisfied:   true,
			approvedBy:  [][]string{{"bob"}, {"carol"}},
			stageStates: []bool{true, true},
		},
		{
			name:       "a reviewer not in the team does not count",
			in:         input(oneStage("sre"), approve(10, zed, "zed", 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"zed#10: not in role sre"},
		},
		{
			name:       "a team membership the API cannot confirm does not count, and says why",
			in:         input(oneStage("ghosts"), approve(10, gina, "gina", 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"gina#10: not in role ghosts; team acme/ghost unverifiable: 403 Forbidden: token lacks read:org"},
		},
		{
			name:       "a bot does not count without allow_bots",
			in:         input(oneStage("healer"), approve(10, healer, "healer-bot[bot]", 1)),
			approvedBy: [][]string{{}},
			ignored:    []string{"healer-bot[bot]#10: bot not allowed"},
		},
		{
			name:       "a bot counts with allow_bots and an app member",
			in:         allowBots(input(oneStage("healer"), approve(10, healer, "healer-bot[bot]", 1))),
			satisfied:  true,
			approvedBy: [][]string{{"healer-bot[bot]"}},
		},
		{
			name:       "a bot that is not the role's app does not count even with allow_bots",
			in:         allowBots(input(oneStage("healer"), approve(10, other, "other-bot[bot]", 1))),
			approvedBy: [][]string{{}},
			ignored:    []string{"other-bot[bot]#10: not in role healer"},
		},
		{
			name:       "a bot cannot hold a user: member",
			in:         withRoles(allowBots(input(oneStage("sre"), flagBot(approve(10, other, "sneaky", 1)))), "sre", "user:sneaky"),
			approvedBy: [][]string{{}},
			ignored:    []string{"sneaky#10: not in role sre"},
		},
		{
			name: "a bot approving its own PR does not count",
			in: func() Input {
				in := allowBots(input(oneStage("healer"), approve(10, healer, "healer-bot[bot]", 1)))
				in.PR.AuthorID, in.PR.AuthorLogin = healer, "healer-bot[bot]"
				return in
			}(),
			approvedBy: [][]string{{}},
			ignored:    []string{"healer-bot[bot]#10: self-approval"},
		},
		{
			name:       "a workflow without stages is never satisfied",
			in:         input(engine.WorkflowResult{Name: "empty"}, approve(10, bob, "bob", 1)),
			approvedBy: [][]string{},
			ignored:    []string{"bob#10: not in role"},
			pending:    "the workflow has no stage",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustEvaluate(t, tt.in, newFakeTeams())
			if res.Satisfied != tt.satisfied {
				t.Errorf("Satisfied = %v, want %v (pending %q; ignored %s)", res.Satisfied, tt.satisfied, res.Pending, reasons(res))
			}
			if got := approvedBy(res); !reflect.DeepEqual(got, tt.approvedBy) {
				t.Errorf("approved_by = %q, want %q", got, tt.approvedBy)
			}
			got := reasons(res)
			rest := got
			for _, want := range tt.ignored {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("ignored %q does not contain %q (in order)", got, want)
					break
				}
				rest = rest[i+len(want):]
			}
			if len(tt.ignored) == 0 && got != "" {
				t.Errorf("ignored = %q, want none", got)
			}
			if tt.satisfied && res.Pending != "" {
				t.Errorf("pending = %q for a satisfied workflow", res.Pending)
			}
			if tt.pending != "" && res.Pending != tt.pending {
				t.Errorf("pending = %q, want %q", res.Pending, tt.pending)
			}
			if !tt.satisfied && res.Pending == "" {
				t.Errorf("no pending reason for an unsatisfied workflow")
			}
			if tt.stageStates != nil {
				var states []bool
				for _, s := range res.Stages {
					states = append(states, s.Satisfied)
				}
				if !reflect.DeepEqual(states, tt.stageStates) {
					t.Errorf("stage satisfied = %v, want %v", states, tt.stageStates)
				}
			}
		})
	}
}

func withRoles(in Input, role string, members ...string) Input {
	r := in.Roles[role]
	r.Members = append(append([]string(nil), r.Members...), members...)
	in.Roles[role] = r
	return in
}

func minApprovals(wf engine.WorkflowResult, n int) engine.WorkflowResult {
	wf.Stages[0].MinApprovals = n
	return wf
}

func allowBots(in Input) Input {
	in.AllowBots = true
	return in
}

func flagBot(r Review) Review {
	r.IsBot = true
	return r
}

func TestApprovalsRecordReviews(t *testing.T) {
	res := mustEvaluate(t, input(twoStages(), approve(10, bob, "bob", 1), approve(11, carol, "carol", 2)), newFakeTeams())
	// The decision's stages carry the reviews that counted for them, behind
	// approved_by (the evidence names them).
	want := map[string][]engine.StageReview{
		"Security review": {{Login: "carol", UserID: carol, ReviewID: 11, SubmittedAt: at(2).UTC()}},
		"SRE review":      {{Login: "bob", UserID: bob, ReviewID: 10, SubmittedAt: at(1).UTC()}},
	}
	if len(res.Stages) != len(want) {
		t.Fatalf("%d stages, want %d", len(res.Stages), len(want))
	}
	for _, s := range res.Stages {
		if !reflect.DeepEqual(s.Reviews, want[s.Name]) {
			t.Errorf("stage %s reviews = %+v, want %+v", s.Name, s.Reviews, want[s.Name])
		}
	}
}

// TestMembershipAskedOncePerTeam: each team is listed and each login
// resolved once per evaluation, however many people and stages are checked.
func TestMembershipAskedOncePerTeam(t *testing.T) {
	wf := engine.WorkflowResult{Name: "w", Stages: []engine.StageResult{
		stage("one", 1, "sre"), stage("two", 1, "sre", "security"), stage("three", 1, "ghosts"),
	}}
	teams := newFakeTeams()
	in := input(wf, approve(10, zed, "zed", 1), review(11, frank, "frank", ChangesRequested, head, 2),
		approve(12, 20, "u20", 3), approve(13, 21, "u21", 4), review(14, 22, "u22", ChangesRequested, head, 5))
	mustEvaluate(t, in, teams)
	want := map[string]int{"team acme/sre": 1, "team acme/ghost": 1}
	if !reflect.DeepEqual(teams.calls, want) {
		t.Errorf("calls = %v, want %v", teams.calls, want)
	}
}

func TestNoMembershipSourceDoesNotCount(t *testing.T) {
	res := mustEvaluate(t, input(oneStage("sre"), approve(10, bob, "bob", 1)), nil)
	if res.Satisfied || !strings.Contains(reasons(res), "team acme/sre unverifiable: no membership source") {
		t.Errorf("satisfied=%v ignored=%s", res.Satisfied, reasons(res))
	}
}

type cancellingTeams struct{ cancel context.CancelFunc }

func (c cancellingTeams) TeamMembers(context.Context, string, string) ([]int64, error) {
	c.cancel()
	return nil, fmt.Errorf("request cancelled")
}

func (c cancellingTeams) UserID(context.Context, string) (int64, error) {
	c.cancel()
	return 0, fmt.Errorf("request cancelled")
}

func TestEvaluateFailsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Evaluate(ctx, input(oneStage("sre"), approve(10, bob, "bob", 1)), cancellingTeams{cancel})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
