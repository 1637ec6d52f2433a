package approvals

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

const (
	head = "1111111111111111111111111111111111111111"
	old  = "0000000000000000000000000000000000000000"
)

// People of the fixtures, by user id.
const (
	alice  int64 = 1 // PR author
	bob    int64 = 2 // acme/sre member
	carol  int64 = 3 // security (user:carol), break_glass
	dave   int64 = 4 // committer of a PR commit
	frank  int64 = 6 // acme/sre member
	zed    int64 = 9 // nobody
	gina   int64 = 7 // acme/ghost, whose membership cannot be confirmed
	healer int64 = 50
	other  int64 = 51
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// fakeTeams answers team member lists and login ids from tables and
// counts the questions.
type fakeTeams struct {
	members map[string][]int64
	logins  map[string]int64
	errs    map[string]error // by ORG/SLUG or login
	calls   map[string]int
}

func newFakeTeams() *fakeTeams {
	return &fakeTeams{
		members: map[string][]int64{"acme/sre": {bob, frank}, "acme/sec": {carol}},
		logins:  map[string]int64{"alice": alice, "bob": bob, "carol": carol, "dave": dave, "frank": frank, "zed": zed, "gina": gina},
		errs:    map[string]error{"acme/ghost": fmt.Errorf("403 Forbidden: token lacks read:org")},
		calls:   map[string]int{},
	}
}

func (f *fakeTeams) TeamMembers(_ context.Context, org, slug string) ([]int64, error) {
	team := org + "/" + slug
	f.calls["team "+team]++
	if err := f.errs[team]; err != nil {
		return nil, err
	}
	if _, ok := f.members[team]; !ok {
		return nil, fmt.Errorf("team %s: not found (404)", team)
	}
	return f.members[team], nil
}

func (f *fakeTeams) UserID(_ context.Context, login string) (int64, error) {
	f.calls["user "+login]++
	if err := f.errs[login]; err != nil {
		return 0, err
	}
	id, ok := f.logins[login]
	if !ok {
		return 0, fmt.Errorf("user %s: not found (404)", login)
	}
	return id, nil
}

func roles() map[string]bundles.Role {
	return map[string]bundles.Role{
		"sre":      {Members: []string{"team:acme/sre"}, Permissions: []string{"approve"}},
		"security": {Members: []string{"user:carol#3"}, Permissions: []string{"approve", "break_glass"}},
		"sec-team": {Members: []string{"team:acme/sec"}, Permissions: []string{"break_glass"}},
		"ghosts":   {Members: []string{"team:acme/ghost"}, Permissions: []string{"approve", "break_glass"}},
		"healer":   {Members: []string{"app:healer-bot"}, Permissions: []string{"approve"}},
	}
}

func stage(name string, min int, roles ...string) engine.StageResult {
	return engine.StageResult{Name: name, ApproverRoles: roles, MinApprovals: min, ApprovedBy: []string{}}
}

func oneStage(roles ...string) engine.WorkflowResult {
	return engine.WorkflowResult{Name: "production_change", EscalateTo: "security", Stages: []engine.StageResult{stage("SRE review", 1, roles...)}}
}

func twoStages() engine.WorkflowResult {
	return engine.WorkflowResult{Name: "critical_fix", EscalateTo: "security", Stages: []engine.StageResult{
		stage("Security review", 1, "security"), stage("SRE review", 1, "sre"),
	}}
}

func pr() PR {
	return PR{
		Number: 7, AuthorID: alice, AuthorLogin: "alice", HeadSHA: head,
		CommitAuthorIDs: []int64{alice, dave}, CommitAuthorLogins: []string{"alice", "dave"},
		CreatedAt: t0,
	}
}

func review(id, user int64, login, state, commit string, min int) Review {
	return Review{ID: id, UserID: user, Login: login, State: state, CommitID: commit, SubmittedAt: at(min)}
}

func approve(id, user int64, login string, min int) Review {
	return review(id, user, login, Approved, head, min)
}

func input(wf engine.WorkflowResult, rs ...Review) Input {
	return Input{PR: pr(), Reviews: rs, Workflow: wf, Roles: roles(), Now: at(60)}
}

func approvedBy(r Result) [][]string {
	out := make([][]string, len(r.Stages))
	for i, s := range r.Stages {
		out[i] = s.ApprovedBy
	}
	return out
}

func reasons(r Result) string {
	var out []string
	for _, ig := range r.Ignored {
		out = append(out, fmt.Sprintf("%s#%d: %s", ig.Login, ig.ReviewID, ig.Reason))
	}
	return strings.Join(out, " | ")
}

func mustEvaluate(t *testing.T, in Input, m Membership) Result {
	t.Helper()
	res, err := Evaluate(context.Background(), in, m)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return res
}
