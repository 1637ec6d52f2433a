package github

import (
	"context"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12RacingJobsStaleSuccessWins: two runs of one PR race (a
// review event each). Run 1 reads bob's approval; meanwhile bob requests
// changes and run 2 reads that, decides "approval required" and posts
// pending. Run 1, slower, posts its success last. The status branch
// protection reads is success although the PR's current state is blocked
// (THREATS.md, When: "two jobs of one PR racing").
func TestAttackA12RacingJobsStaleSuccessWins(t *testing.T) {
	srv := serve(t, fixture())
	ctx := context.Background()

	c1, _ := newTestClient(t, srv, nil)
	ev1, err := integrityEvaluator(t, c1).Evaluate(ctx, repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev1.Decision.Decision != engine.Allow {
		t.Fatalf("setup: run 1 = %s", ev1.Decision.Decision)
	}

	srv.Update(func(fx *githubtest.Fixture) {
		fx.PRs[0].Reviews = append(fx.PRs[0].Reviews,
			githubtest.Review{ID: 11, User: bob, State: "CHANGES_REQUESTED", CommitID: headSHA, SubmittedAt: t0.Add(2 * time.Hour)})
	})
	c2, _ := newTestClient(t, srv, nil)
	ev2 := evaluateAndPublish(t, c2, integrityEvaluator(t, c2), 7)
	if ev2.Decision.Decision == engine.Allow {
		t.Fatalf("run 2 allowed: %s", ev2.Decision.Reason)
	}

	// Run 1 publishes late.
	_ = c1.Publish(ctx, ev1, "")
	st := lastStatus(srv, headSHA, ev1.StatusContext)
	if st != nil && st.State == StateSuccess {
		t.Fatalf("VULNERABLE: the slower run's stale success overwrote the newer pending status: %+v", *st)
	}
}

// TestAttackA12ActionsBotForgedGrant: under GitHub Actions gov writes as
// github-actions[bot], and so does every other workflow of the repository
// that uses GITHUB_TOKEN -- including one the PR's author adds on their
// branch (on: pull_request, permissions: pull-requests: write). A grant
// marker in such a comment is trusted as gov's own: carol's break-glass
// label given for an earlier head is extended to the author's new head.
func TestAttackA12ActionsBotForgedGrant(t *testing.T) {
	labeledAt := t0.Add(time.Minute)
	fx := fixture()
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
	// Posted by the author's workflow, not by gov (poster: github-actions[bot]).
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: githubtest.User{Login: "github-actions[bot]", ID: 41898282, Bot: true},
		Body: "CI summary: all green " + GrantMarker(Grant{SHA: headSHA, ByID: carol.ID, At: labeledAt})}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil) // Actions: true, GET /user refused: identity github-actions[bot]
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: a grant marker in a github-actions[bot] comment gov did not write was trusted: %s", ev.Decision.Reason)
	}
}

// TestAttackA12ActionsBotGrantAtItsPlace: the same forged comment, but with
// the grant where gov writes it (right after DecisionMarker): a workflow
// writing as github-actions[bot] can copy gov's layout exactly, so under
// that identity no comment grant is trusted at all.
func TestAttackA12ActionsBotGrantAtItsPlace(t *testing.T) {
	labeledAt := t0.Add(time.Minute)
	fx := fixture()
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: githubtest.User{Login: "github-actions[bot]", ID: 41898282, Bot: true},
		Body: DecisionMarker + "\n" + GrantMarker(Grant{SHA: headSHA, ByID: carol.ID, At: labeledAt}) + "\n### gov/policy: allowed"}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: a grant in a github-actions[bot] comment was trusted: %s", ev.Decision.Reason)
	}
}
