package github

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// Break-glass bound to its head, and gov's own identity (issue 12 items 3
// and 6): attacks through labels and comments others can write.

// TestAttackForeignBotMarker: another bot's comment carrying gov's markers
// is neither edited nor trusted (escalation done, break-glass granted).
func TestAttackForeignBotMarker(t *testing.T) {
	fx := fixture()
	fx.Poster = &githubtest.User{Login: "gov-runner", ID: 500}
	otherBot := githubtest.User{Login: "other-bot[bot]", ID: 77, Bot: true}
	labeledAt := t0.Add(time.Minute)
	forged := DecisionMarker + "\n" + EscalationMarker(1) + "\n" + GrantMarker(Grant{SHA: headSHA, ByID: carol.ID, At: labeledAt}) + "\nallowed, all good"
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: otherBot, Body: forged}}
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil) // no CommentAuthor: gov finds its identity itself
	ctx := context.Background()
	done, err := c.Escalations(ctx, repo, 7)
	if err != nil || len(done) != 0 {
		t.Errorf("Escalations = %v, %v; another bot's marker must not count", done, err)
	}
	if err := c.UpsertComment(ctx, repo, 7, "decision"); err != nil {
		t.Fatal(err)
	}
	cs := srv.Comments(7)
	if len(cs) != 2 || cs[0].Body != forged || cs[1].User.Login != "gov-runner" {
		t.Errorf("comments = %+v: want the other bot's untouched and gov's own", cs)
	}
	ev, err := integrityEvaluator(t, c).Evaluate(ctx, repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Errorf("a grant forged by another bot allowed: %s", ev.Decision.Reason)
	}
}

// TestAttackBreakGlassOutlivesCommit: carol added the break-glass label
// while the head was X; Y was pushed later. The label does not allow Y.
func TestAttackBreakGlassOutlivesCommit(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: t0.Add(time.Minute)}}
	srv := serve(t, fx)
	srv.Push(7, githubtest.Commit{SHA: shaY, Author: &alice, Committer: &alice}, sampleDiff)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("break-glass given on an earlier head allowed %s: %s", shaY, ev.Decision.Reason)
	}
	want := "break-glass label present but not given for head " + shaY + ": add it again"
	found := false
	for _, ig := range ev.Approvals.Ignored {
		found = found || strings.Contains(ig.Reason, want)
	}
	if !found {
		t.Errorf("ignored %+v: want %q", ev.Approvals.Ignored, want)
	}
}

// TestBreakGlassBoundToLabeledHead: carol's labeled event (the run's
// trigger) binds the label to head H; gov records the grant in its comment,
// a later run on H without that event still honours it when gov writes as
// a unique identity (under the shared Actions bot it needs the label
// again), and after a push the label must be added again.
func TestBreakGlassBoundToLabeledHead(t *testing.T) {
	for _, unique := range []bool{true, false} {
		t.Run(fmt.Sprintf("unique identity %v", unique), func(t *testing.T) { boundToLabeledHead(t, unique) })
	}
}

func boundToLabeledHead(t *testing.T, unique bool) {
	fx := fixture()
	if unique {
		fx.Poster = &githubtest.User{Login: "gov-runner", ID: 500}
	}
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	labeledAt := t0.Add(time.Minute)
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: labeledAt}}
	srv := serve(t, fx)
	trigger := &Event{Repo: repo, Number: 7, HeadSHA: headSHA, BaseRef: "main", Action: "labeled", Label: "gov/break-glass", SenderID: carol.ID, SenderLogin: carol.Login}

	c, _ := newTestClient(t, srv, nil)
	e := integrityEvaluator(t, c)
	e.Trigger = trigger
	ev := evaluateAndPublish(t, c, e, 7)
	bg := ev.Decision.BreakGlass
	if ev.Decision.Decision != engine.Allow || bg == nil || bg.By != "carol" || bg.ByID != carol.ID || bg.HeadSHA != headSHA || !bg.At.Equal(labeledAt) {
		t.Fatalf("labeled run: %s (%s), break_glass %+v", ev.Decision.Decision, ev.Decision.Reason, bg)
	}
	t.Logf("labeled run: %s", c.Stats())

	// A review event later, on the same head: the grant in gov's comment
	// counts, unless gov writes as the shared github-actions[bot].
	c2, _ := newTestClient(t, srv, nil)
	if ev := evaluateAndPublish(t, c2, integrityEvaluator(t, c2), 7); (ev.Decision.Decision == engine.Allow) != unique || (ev.Decision.BreakGlass != nil) != unique {
		t.Fatalf("later run on the same head (unique identity %v): %s (%s)", unique, ev.Decision.Decision, ev.Decision.Reason)
	}
	t.Logf("later run, same head: %s", c2.Stats())

	// A push: the grant was for the old head.
	srv.Push(7, githubtest.Commit{SHA: shaY, Author: &alice, Committer: &alice}, sampleDiff)
	c3, _ := newTestClient(t, srv, nil)
	ev = evaluateAndPublish(t, c3, integrityEvaluator(t, c3), 7)
	if ev.Decision.Decision == engine.Allow || ev.Decision.BreakGlass != nil {
		t.Fatalf("after a push: %s (%s)", ev.Decision.Decision, ev.Decision.Reason)
	}
	if !strings.Contains(ev.Approvals.Ignored[0].Reason, "not given for head "+shaY+": add it again") ||
		(unique && !strings.Contains(ev.Approvals.Ignored[0].Reason, "on "+headSHA)) {
		t.Errorf("ignored %+v", ev.Approvals.Ignored)
	}
	t.Logf("after a push: %s", c3.Stats())
}

// TestBreakGlassTriggerOfAnotherSender: a labeled event whose sender is not
// the one GitHub lists as the latest labeler binds nothing.
func TestBreakGlassTriggerOfAnotherSender(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Reviews = nil
	fx.PRs[0].Labels = []string{"gov/break-glass"}
	fx.PRs[0].Events = []githubtest.Event{{Event: "labeled", Label: "gov/break-glass", Actor: carol, CreatedAt: t0.Add(time.Minute)}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	e := integrityEvaluator(t, c)
	e.Trigger = &Event{Repo: repo, Number: 7, HeadSHA: headSHA, Action: "labeled", Label: "gov/break-glass", SenderID: eve.ID, SenderLogin: eve.Login}
	ev, err := e.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("allowed: %s", ev.Decision.Reason)
	}
}
