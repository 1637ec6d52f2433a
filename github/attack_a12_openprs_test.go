package github

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12OpenPRsClosedWhileListed: gov pr --all-open lists the open
// PRs 100 a page, oldest first. The author of #1 closes it after the first
// page was read: every later PR moves one place up, and the first PR of
// the second page (#101) was never listed, so the scheduled run neither
// refreshed nor escalated it, without a word. A listing of more than one
// page is taken only when a second listing agrees with it.
func TestAttackA12OpenPRsClosedWhileListed(t *testing.T) {
	fx := fixture()
	base := fx.PRs[0]
	fx.PRs = nil
	for n := 1; n <= 150; n++ {
		p := base
		p.Number = n
		fx.PRs = append(fx.PRs, p)
	}
	srv := serve(t, fx)
	var lists atomic.Int32
	srv.OnRequest(func(r githubtest.Request) {
		if r.Method == "GET" && r.Path == "/api/v3/repos/acme/app/pulls" && lists.Add(1) == 2 {
			srv.Update(func(f *githubtest.Fixture) { f.PRs[0].State = "closed" })
		}
	})
	c, _ := newTestClient(t, srv, nil)
	got, err := c.ListOpenPRs(t.Context(), repo)
	if err != nil {
		t.Fatalf("ListOpenPRs: %v", err)
	}
	for n := 2; n <= 150; n++ {
		if !slices.Contains(got, n) {
			t.Errorf("open PR #%d was left out of the listing", n)
		}
	}
}
