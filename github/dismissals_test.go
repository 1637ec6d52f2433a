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

// TestDismissalsByWhom: bob's request for changes dismissed by carol (a
// maintainer, not in the PR) is lifted; dismissed by the author, named by
// its review id, it still blocks and the notes say why.
func TestDismissalsByWhom(t *testing.T) {
	frank := githubtest.User{Login: "frank", ID: 6}
	for _, tt := range []struct {
		by    githubtest.User
		allow bool
	}{{carol, true}, {alice, false}} {
		fx := fixture()
		fx.PRs[0].Reviews = []githubtest.Review{
			{ID: 10, User: bob, State: "DISMISSED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)},
			{ID: 11, User: frank, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(2 * time.Hour)},
		}
		fx.PRs[0].Events = append(fx.PRs[0].Events, githubtest.Event{Event: "review_dismissed", Actor: tt.by, CreatedAt: t0.Add(90 * time.Minute),
			DismissedReview: 10, DismissedState: "changes_requested"})
		srv := serve(t, fx)
		c, _ := newTestClient(t, srv, nil)
		e := integrityEvaluator(t, c)
		e.Bundle.Roles["sre"] = bundles.Role{Members: []string{"user:bob#2", "user:frank#6"}, Permissions: []string{"approve"}}
		ev, err := e.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if (ev.Decision.Decision == engine.Allow) != tt.allow {
			t.Errorf("dismissed by %s: %s (%s)", tt.by.Login, ev.Decision.Decision, ev.Decision.Reason)
		}
		if !tt.allow && !strings.Contains(strings.Join(ev.Notes, "\n"), "review 10 by bob still counts as a request for changes: it was dismissed by the PR author alice") {
			t.Errorf("notes %v", ev.Notes)
		}
	}
}
