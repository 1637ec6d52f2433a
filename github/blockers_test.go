package github

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestUnverifiableBlockerBlocksOnGitHub: the SRE role is team acme/sre or
// team acme/oncall; bob (acme/sre) approves and gina requests changes.
// Whenever acme/oncall cannot be listed, gina might be an SRE, so her
// request blocks and the pending reason names her and why; the PR is
// allowed only when the listing shows she is not in the team.
func TestUnverifiableBlockerBlocksOnGitHub(t *testing.T) {
	gina := githubtest.User{Login: "gina", ID: 7}
	evaluate := func(t *testing.T, fault *githubtest.Fault, members ...string) *engine.Decision {
		t.Helper()
		fx := fixture()
		fx.Teams["acme/oncall"] = bigTeam(150)
		fx.PRs[0].Reviews = append(fx.PRs[0].Reviews,
			githubtest.Review{ID: 11, User: gina, State: "CHANGES_REQUESTED", CommitID: headSHA, SubmittedAt: t0.Add(2 * time.Hour)})
		srv := serve(t, fx)
		if fault != nil {
			srv.AddFault(*fault)
		}
		c, _ := newTestClient(t, srv, clientTimeout(srv))
		ev := newEvaluator(t, c)
		if len(members) == 0 {
			members = []string{"team:acme/sre", "team:acme/oncall"}
		}
		ev.Bundle.Roles = map[string]bundles.Role{"sre": {Members: members, Permissions: []string{"approve"}}}
		out, err := ev.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
		if err != nil {
			t.Fatal(err)
		}
		return out.Decision
	}
	if d := evaluate(t, nil); d.Decision != engine.Allow {
		t.Fatalf("with every team listed: %s: %s (pending %q)", d.Decision, d.Reason, d.PendingReason)
	}
	for _, tt := range teamFailures() {
		t.Run(tt.name, func(t *testing.T) {
			d := evaluate(t, &tt.fault)
			want := `changes requested by gina (stage "SRE review"; gina could not be checked, so the request counts: team acme/oncall unverifiable: ` + tt.err
			if d.Decision != engine.RequireApproval || d.Allowed() || !strings.HasPrefix(d.PendingReason, want) {
				t.Errorf("%s (allowed %v): pending %q\nwant prefix %q", d.Decision, d.Allowed(), d.PendingReason, want)
			}
		})
	}
	// A bare user: member is never resolved (the login could have changed
	// hands): gina, who holds that login now, cannot be checked, so her
	// request blocks.
	members := []string{"team:acme/sre", "user:gina"}
	if d := evaluate(t, nil, members...); d.Decision != engine.RequireApproval ||
		d.PendingReason != `changes requested by gina (stage "SRE review"; gina could not be checked, so the request counts: user gina unverifiable: not pinned to a user id (write user:gina#ID): a login can change hands)` {
		t.Errorf("unpinned user member: %s, pending %q", d.Decision, d.PendingReason)
	}
}

// TestDeletedReviewerWords: a review by a deleted account ("user": null)
// does not count, and the comment says whose it was, not "label".
func TestDeletedReviewerWords(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Reviews = append(fx.PRs[0].Reviews,
		githubtest.Review{ID: 12, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)})
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	out, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := RenderComment(out.Decision, out.Approvals, nil)
	if want := "- deleted account (review 12): the reviewer's account was deleted (GitHub shows no user)"; !strings.Contains(got, want) || strings.Contains(got, "label (review") {
		t.Errorf("comment lacks %q:\n%s", want, got)
	}
}

// TestPendingTeamMemberDoesNotApprove: eve was invited to acme/sre but has
// not accepted; GitHub does not list her, so her approval does not count.
func TestPendingTeamMemberDoesNotApprove(t *testing.T) {
	fx := fixture()
	fx.TeamPending = map[string][]string{"acme/sre": {"eve"}}
	fx.PRs[0].Reviews = []githubtest.Review{{ID: 12, User: eve, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	out, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Decision.Decision != engine.RequireApproval || len(out.Approvals.Ignored) != 1 || out.Approvals.Ignored[0].Reason != "not in role sre" {
		t.Errorf("%s: ignored %+v", out.Decision.Decision, out.Approvals.Ignored)
	}
}
