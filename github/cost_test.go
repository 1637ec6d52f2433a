package github

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

const workflowDiff = `diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -1 +1,2 @@
 on: push
+permissions: read-all
`

// outsiders returns n approving reviews by people in no team.
func outsiders(n int) []githubtest.Review {
	out := make([]githubtest.Review, n)
	for i := range out {
		u := githubtest.User{Login: fmt.Sprintf("outsider%02d", i), ID: int64(5000 + i)}
		out[i] = githubtest.Review{ID: int64(20000 + i), User: u, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Minute)}
	}
	return out
}

// TestAPICostPerScenario: the calls of one evaluation do not grow with the
// number of reviewers: each team is listed once (all its pages), whatever
// number of people and stages are checked against it. Before, each
// (reviewer x team) pair cost one membership call: 65 calls for 60
// outside reviewers on one stage, 126 on two.
func TestAPICostPerScenario(t *testing.T) {
	tests := []struct {
		name      string
		reviewers int
		diff      string // default: production change, one stage (SRE review)
		sreSize   int
		secSize   int
		calls     int
	}{
		// PR, diff (base...head), commits, the number of reviews (GraphQL,
		// to tell a cut-off list), reviews, acme/sre (1 page), the PR again
		// (304).
		{name: "1 reviewer", reviewers: 0, sreSize: 100, calls: 7},
		{name: "60 reviewers, one stage", reviewers: 60, sreSize: 100, calls: 7},
		// ... and acme/security (1 page): the target is at most 8.
		{name: "60 reviewers, two stages", reviewers: 60, diff: workflowDiff, sreSize: 100, secSize: 100, calls: 8},
		// acme/sre of 250 members is 3 pages.
		{name: "team of 250 members", reviewers: 60, sreSize: 250, calls: 9},
		{name: "60 reviewers, two stages, teams of 250", reviewers: 60, diff: workflowDiff, sreSize: 250, secSize: 250, calls: 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := fixture()
			pr := &fx.PRs[0]
			if tt.diff != "" {
				pr.Diff = tt.diff
				pr.Files = []githubtest.File{{Path: ".github/workflows/ci.yml", Additions: 1}}
			}
			// bob (acme/sre) and carol (acme/security) approve, last in
			// their teams' lists (on the last page).
			carol := githubtest.User{Login: "carol", ID: 3}
			pr.Reviews = append(outsiders(tt.reviewers),
				githubtest.Review{ID: 10, User: bob, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)},
				githubtest.Review{ID: 11, User: carol, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)})
			fx.Teams["acme/sre"] = append(bigTeam(tt.sreSize-1), "bob")
			if tt.secSize > 0 {
				fx.Teams["acme/security"] = append(bigTeam(tt.secSize-1), "carol")
			}
			fx.Users = []githubtest.User{carol}
			srv := serve(t, fx)
			c, _ := newTestClient(t, srv, nil)
			ev := newEvaluator(t, c)
			ev.Bundle.Roles = map[string]bundles.Role{
				"sre":      {Members: []string{"team:acme/sre"}, Permissions: []string{"approve"}},
				"security": {Members: []string{"team:acme/security"}, Permissions: []string{"approve", "break_glass"}},
			}
			out, err := ev.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
			if err != nil {
				t.Fatal(err)
			}
			stages, ignored := 1, tt.reviewers+1 // carol is no SRE
			if tt.diff != "" {
				stages, ignored = 2, tt.reviewers
			}
			if out.Decision.Decision != engine.Allow || len(out.Decision.Workflow.Stages) != stages {
				t.Fatalf("decision = %s: %s", out.Decision.Decision, out.Decision.Reason)
			}
			if n := len(out.Approvals.Ignored); n != ignored {
				t.Errorf("%d reviews not counted, want %d", n, ignored)
			}
			st := c.Stats()
			t.Logf("%s: %s", tt.name, st)
			if st.Calls != tt.calls {
				t.Errorf("%d calls, want %d: %s", st.Calls, tt.calls, st)
			}
			if strings.Contains(st.String(), "memberships") {
				t.Errorf("membership asked per person: %s", st)
			}
		})
	}
}
