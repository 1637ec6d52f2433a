package github

import (
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
