package github

import (
	"context"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12AuthorDismissesBlocker: bob (sre) requested changes; the
// PR's author alice (write access, as a bot's token has) dismisses bob's
// review, and frank (sre) approves. GitHub lists bob's review as
// DISMISSED and the issue events show alice did it. A dismissal written
// by the author is "something written by someone else" (THREATS.md, Where
// and When): it must not lift a role holder's request for changes.
func TestAttackA12AuthorDismissesBlocker(t *testing.T) {
	frank := githubtest.User{Login: "frank", ID: 6}
	fx := fixture()
	fx.PRs[0].Reviews = []githubtest.Review{
		{ID: 10, User: bob, State: "DISMISSED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)}, // was CHANGES_REQUESTED
		{ID: 11, User: frank, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(2 * time.Hour)},
	}
	fx.PRs[0].Events = append(fx.PRs[0].Events, githubtest.Event{Event: "review_dismissed", Actor: alice, CreatedAt: t0.Add(90 * time.Minute)})
	fx.Users = []githubtest.User{frank}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	e := integrityEvaluator(t, c)
	e.Bundle.Roles["sre"] = bundles.Role{Members: []string{"user:bob#2", "user:frank#6"}, Permissions: []string{"approve"}}
	ev, err := e.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: bob's request for changes, dismissed by the PR author, no longer blocks: %s", ev.Decision.Reason)
	}
}
