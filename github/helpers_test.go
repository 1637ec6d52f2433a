package github

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
)

const (
	testToken = "ghp_SECRETtoken000000000000000000000000"
	headSHA   = "1111111111111111111111111111111111111111"
	baseSHA   = "0000000000000000000000000000000000000b5e"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

var (
	alice = githubtest.User{Login: "alice", ID: 1}
	bob   = githubtest.User{Login: "bob", ID: 2}
	eve   = githubtest.User{Login: "eve", ID: 66}
)

const sampleDiff = `diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1 +1,2 @@
 x = 1
+y = 2
`

func fixture() githubtest.Fixture {
	pr := githubtest.PR{
		Number: 7, Title: "fix", Author: alice, Head: headSHA, Base: "main", BaseSHA: baseSHA, Labels: []string{"bug"},
		CreatedAt: t0, Diff: sampleDiff,
		Files:   []githubtest.File{{Path: "app.py", Additions: 1, Patch: "@@ -1 +1,2 @@\n x = 1\n+y = 2"}},
		Commits: []githubtest.Commit{{SHA: headSHA, Author: &alice, Committer: &githubtest.User{Login: "web-flow", ID: 19864447}}},
		Reviews: []githubtest.Review{{ID: 10, User: bob, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)}},
		Events: []githubtest.Event{
			{Event: "labeled", Label: "bug", Actor: bob, CreatedAt: t0},
			{Event: "assigned", Actor: bob, CreatedAt: t0},
			{Event: "unlabeled", Label: "wip", Actor: alice, CreatedAt: t0.Add(time.Minute)},
		},
	}
	return githubtest.Fixture{
		Repo: "acme/app", Token: testToken, PRs: []githubtest.PR{pr},
		Teams:      map[string][]string{"acme/sre": {"bob"}},
		TeamStatus: map[string]int{"acme/secret": 403},
	}
}

var repo = Repo{"acme", "app"}

// sleeps records the waits of a client instead of sleeping.
type sleeps struct{ waits []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func newTestClient(t *testing.T, srv *githubtest.Server, mod func(*Options)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	opts := Options{Token: testToken, BaseURL: srv.URL, HTTPClient: srv.Client(), Sleep: sl.sleep, Now: func() time.Time { return t0 }, Actions: true}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func serve(t *testing.T, fx githubtest.Fixture) *githubtest.Server {
	t.Helper()
	srv := githubtest.NewEnterprise(fx)
	t.Cleanup(srv.Close)
	return srv
}

func paths(rs []githubtest.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status)
	}
	return out
}
