package github

import (
	"context"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12GuardGitHubFaultsNeverAllow (guard): each fault on the
// endpoints counting reads (reviews, commits, second page of reviews,
// issue events and comments under a break-glass label, the re-read of the
// PR) ends in an error or a non-allow, never allow.
func TestAttackA12GuardGitHubFaultsNeverAllow(t *testing.T) {
	labeledAt := t0.Add(time.Minute)
	for _, tt := range []struct {
		name  string
		fault githubtest.Fault
		bg    bool
	}{
		{"reviews 502", githubtest.Fault{Path: "/repos/acme/app/pulls/7/reviews", Status: 502}, false},
		{"reviews garbage", githubtest.Fault{Path: "/repos/acme/app/pulls/7/reviews", Body: `{"oops":`}, false},
		{"reviews null", githubtest.Fault{Path: "/repos/acme/app/pulls/7/reviews", Body: `null`}, false},
		{"reviews 404", githubtest.Fault{Path: "/repos/acme/app/pulls/7/reviews", Status: 404}, false},
		{"reviews page 2 500", githubtest.Fault{Path: "/repos/acme/app/pulls/7/reviews", Query: "page=2", Status: 500}, false},
		{"commits 500", githubtest.Fault{Path: "/repos/acme/app/pulls/7/commits", Status: 500}, false},
		{"commits empty list", githubtest.Fault{Path: "/repos/acme/app/pulls/7/commits", Body: `[]`}, false},
		{"reviews rate limited", githubtest.Fault{Path: "/repos/acme/app/pulls/7/reviews", Status: 403, Reset: t0.Add(2 * time.Hour)}, false},
		{"events 500 (break-glass)", githubtest.Fault{Path: "/repos/acme/app/issues/7/events", Status: 500}, true},
		{"comments garbage (break-glass)", githubtest.Fault{Path: "/repos/acme/app/issues/7/comments", Body: `<html>`}, true},
		{"control: no fault", githubtest.Fault{}, false},
		{"control: no fault (break-glass)", githubtest.Fault{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fx := reviewPages()
			if tt.bg {
				fx.PRs[0].Reviews = nil
				fx.PRs[0].Labels = []string{"gov/break-glass"}
				fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
				// gov's own grant, at its place (right after DecisionMarker),
				// posted under a unique identity: under the shared Actions bot
				// comment grants are not trusted at all.
				fx.Poster = &githubtest.User{Login: "gov-runner", ID: 500}
				fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: *fx.Poster,
					Body: DecisionMarker + "\n" + GrantMarker(Grant{SHA: headSHA, ByID: carol.ID, At: labeledAt}) + "\n"}}
			} else {
				// bob approves on page 1 and nobody objects: only the fault can stop it.
				fx.PRs[0].Reviews = fx.PRs[0].Reviews[:100]
				fx.PRs[0].Reviews = append(fx.PRs[0].Reviews, githubtest.Review{ID: 900, User: eve, State: "COMMENTED", CommitID: headSHA, SubmittedAt: t0.Add(5 * time.Hour)})
			}
			control := tt.fault.Path == ""
			if !control {
				fx.Faults = []githubtest.Fault{tt.fault}
			}
			srv := serve(t, fx)
			c, _ := newTestClient(t, srv, nil)
			ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
			if control {
				if err != nil || ev.Decision.Decision != engine.Allow {
					t.Fatalf("control must allow (else the fault rows prove nothing): %v %+v", err, ev)
				}
				return
			}
			if err != nil {
				return
			}
			if ev.Decision.Decision == engine.Allow {
				t.Fatalf("allowed despite %s: %s", tt.name, ev.Decision.Reason)
			}
		})
	}
}
