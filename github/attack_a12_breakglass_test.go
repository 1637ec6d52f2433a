package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12GrantMarkerInjectedThroughFilePath: the PR author cannot
// write a comment as gov, but gov writes the author's file paths into its
// own decision comment (the violations table). A path carrying a
// break-glass grant marker becomes a "grant" gov trusts on its next run:
// carol's old break-glass label (given for another head) is then honoured
// for a head she never saw.
//
//  1. carol (break_glass) added gov/break-glass at T, on some earlier head.
//  2. The author prepares commit X (the change they want merged) and learns
//     its SHA, then pushes W on top of it: W adds
//     .github/workflows/ci<!-- gov:break-glass sha=X by=carol at=T -->.yml
//  3. gov evaluates W and publishes: the path lands in gov's own comment.
//  4. The author force-pushes back to X; gov evaluates X.
//
// Safe outcome: X is not allowed (the label was never given for X).
func TestAttackA12GrantMarkerInjectedThroughFilePath(t *testing.T) {
	labeledAt := t0.Add(time.Minute)
	forged := GrantMarker(Grant{SHA: shaX, ByID: carol.ID, At: labeledAt})
	path := ".github/workflows/ci" + forged + ".yml"
	injecting := "diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" + path +
		"\n@@ -0,0 +1 @@\n+on: push\n"

	fx := fixture()
	fx.Poster = &githubtest.User{Login: "gov-runner", ID: 500}
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Diff = injecting
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
	srv := serve(t, fx)

	// Run on W (no trigger: e.g. a synchronize event).
	c, _ := newTestClient(t, srv, nil)
	ev := evaluateAndPublish(t, c, integrityEvaluator(t, c), 7)
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("W itself allowed: %s", ev.Decision.Reason)
	}
	var own string
	for _, cm := range srv.Comments(7) {
		if cm.User.Login == "gov-runner" {
			own = cm.Body
		}
	}
	if !strings.Contains(own, forged) {
		t.Logf("gov's comment does not carry the forged marker (protection by escaping)")
	}

	// Force-push back to X (a harmless-looking diff; any change would do).
	srv.Push(7, githubtest.Commit{SHA: shaX, Author: &alice, Committer: &alice}, sampleDiff)
	c2, _ := newTestClient(t, srv, nil)
	ev = evaluateAndPublish(t, c2, integrityEvaluator(t, c2), 7)
	if ev.Decision.Decision == engine.Allow || ev.Decision.BreakGlass != nil {
		t.Fatalf("VULNERABLE: head %s allowed by a break-glass grant the author injected through a file path into gov's own comment: %s",
			short(shaX), ev.Decision.Reason)
	}
}

// bgFixture: carol's break-glass label was given for the head (gov's own
// comment records the grant), then removed and added again by eve, who
// holds no break_glass. 98 other events put eve's re-labeling on page 2.
func bgFixture() githubtest.Fixture {
	labeledAt := t0.Add(time.Minute)
	fx := fixture()
	fx.Poster = &githubtest.User{Login: "gov-runner", ID: 500}
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	evs := []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
	for i := 0; i < 99; i++ {
		evs = append(evs, githubtest.Event{Event: "labeled", Label: fmt.Sprintf("l%d", i), Actor: alice, CreatedAt: labeledAt.Add(time.Duration(i+1) * time.Second)})
	}
	evs = append(evs,
		githubtest.Event{Event: "unlabeled", Label: "gov/break-glass", Actor: carol, CreatedAt: t0.Add(time.Hour)},
		githubtest.Event{Event: "labeled", Label: "gov/break-glass", Actor: eve, CreatedAt: t0.Add(2 * time.Hour)})
	fx.PRs[0].Events = evs
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: *fx.Poster,
		Body: DecisionMarker + "\n" + GrantMarker(Grant{SHA: headSHA, ByID: carol.ID, At: labeledAt}) + "\nallowed"}}
	return fx
}

// TestAttackA12GuardLabelReaddedByOutsider (guard): carol's grant does not
// survive her removing the label and eve adding it again.
func TestAttackA12GuardLabelReaddedByOutsider(t *testing.T) {
	srv := serve(t, bgFixture())
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("allowed: %s", ev.Decision.Reason)
	}
}

// TestAttackA12LabelEventsPageSkipped: the same PR, but GitHub's Link on
// page 1 of the issue events skips page 2, where carol removed the label
// and eve (no break_glass) added it again. gov takes carol's old labeling
// as the latest and honours her grant: break-glass by a non-holder.
func TestAttackA12LabelEventsPageSkipped(t *testing.T) {
	srv := serve(t, bgFixture())
	c, _ := newTestClient(t, srv, func(o *Options) {
		hc := *srv.Client()
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = linkRewriter{base: base, fix: func(r *http.Request, resp *http.Response) {
			if strings.HasSuffix(r.URL.Path, "/events") && r.URL.Query().Get("page") == "" {
				if l := resp.Header.Get("Link"); l != "" {
					resp.Header.Set("Link", strings.Replace(l, "page=2", "page=3", 1))
				}
			}
		}}
		o.HTTPClient = &hc
	})
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: issue events page 2 skipped, eve's re-labeling unseen, carol's old grant honoured: %s", ev.Decision.Reason)
	}
}
