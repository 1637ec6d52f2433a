package github

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// The GitHub-integrity security cases (issue 12): each is an attack on
// `gov pr` through what GitHub answers, and each must fail closed.

const (
	shaX = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	shaY = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

var carol = githubtest.User{Login: "carol", ID: 3}

// integrityEvaluator is newEvaluator with explicit environments (main is
// production, feature/x staging) and roles: bob approves, carol may break glass.
func integrityEvaluator(t *testing.T, c *Client) Evaluator {
	t.Helper()
	e := newEvaluator(t, c)
	e.Bundle.Config.Branches = map[string]string{"main": "production", "feature/x": "staging"}
	e.Bundle.Roles = map[string]bundles.Role{
		"sre":      {Members: []string{"user:bob#2"}, Permissions: []string{"approve"}},
		"security": {Members: []string{"user:carol#3"}, Permissions: []string{"break_glass"}},
	}
	return e
}

func readPatch(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../testdata/patches/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func evaluateAndPublish(t *testing.T, c *Client, e Evaluator, number int) *Evaluation {
	t.Helper()
	ctx := context.Background()
	ev, err := e.Evaluate(ctx, repo, number, engine.Request{}, "")
	if err != nil {
		t.Fatalf("#%d: %v", number, err)
	}
	if err := c.Publish(ctx, ev, ""); err != nil {
		t.Fatalf("#%d: publish: %v", number, err)
	}
	return ev
}

// lastStatus is the status branch protection reads for sha and context.
func lastStatus(srv *githubtest.Server, sha, context string) *githubtest.Status {
	var out *githubtest.Status
	for _, s := range srv.Statuses() {
		if s.SHA == sha && s.Context == context {
			s := s
			out = &s
		}
	}
	return out
}

// TestAttackSameHeadOtherBase: a second PR with the same head against
// another base (staging, allowed) must not turn the status main's branch
// protection reads into success.
func TestAttackSameHeadOtherBase(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Reviews = nil
	other := fx.PRs[0]
	other.Number, other.Base = 8, "feature/x"
	fx.PRs = append(fx.PRs, other)
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	e := integrityEvaluator(t, c)
	if ev := evaluateAndPublish(t, c, e, 7); ev.Decision.Decision != engine.RequireApproval {
		t.Fatalf("#7 into main: %s, want require_approval", ev.Decision.Decision)
	}
	if ev := evaluateAndPublish(t, c, e, 8); ev.Decision.Decision != engine.Allow {
		t.Fatalf("#8 into feature/x: %s, want allow", ev.Decision.Decision)
	}
	main := lastStatus(srv, headSHA, "gov/policy: main")
	if main == nil || main.State != StatePending {
		t.Errorf("status gov/policy: main = %+v, want pending (all: %+v)", main, srv.Statuses())
	}
	if bare := lastStatus(srv, headSHA, "gov/policy"); bare != nil {
		t.Errorf("bare gov/policy status %+v set without status_context opt-in", bare)
	}
	if fx := lastStatus(srv, headSHA, "gov/policy: feature/x"); fx == nil || fx.State != StateSuccess {
		t.Errorf("status gov/policy: feature/x = %+v, want success", fx)
	}
}

// TestAttackPushBetweenPRReadAndDiffRead: the head moves from X (which
// deletes a test: denied) to Y (harmless) right after gov read the PR.
// Gov must not post success on X, and what it posts on Y is Y's evaluation.
func TestAttackPushBetweenPRReadAndDiffRead(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Base, fx.PRs[0].Head, fx.PRs[0].Diff = "feature/x", shaX, readPatch(t, "delete-test.diff")
	fx.PRs[0].Commits = []githubtest.Commit{{SHA: shaX, Author: &alice, Committer: &alice}}
	fx.PRs[0].Reviews = nil
	srv := serve(t, fx)
	pushed := false
	srv.OnRequest(func(r githubtest.Request) {
		if !pushed && strings.Contains(r.Accept, "diff") {
			pushed = true
			srv.Push(7, githubtest.Commit{SHA: shaY, Author: &alice, Committer: &alice}, sampleDiff)
		}
	})
	c, _ := newTestClient(t, srv, nil)
	ev := evaluateAndPublish(t, c, integrityEvaluator(t, c), 7)
	if !pushed {
		t.Fatal("the push did not happen")
	}
	for _, s := range srv.Statuses() {
		if s.SHA == shaX && s.State == StateSuccess {
			t.Errorf("success posted on %s, whose diff was never evaluated as allowed: %+v", shaX, s)
		}
	}
	if ev.PR.HeadSHA != shaY || ev.Decision.Decision != engine.Allow {
		t.Errorf("evaluated %s: %s, want Y (%s) allowed", ev.PR.HeadSHA, ev.Decision.Decision, shaY)
	}
	t.Logf("push between reads: %s", c.Stats())
}

// TestAttackHeadMissingFromCommits: bob wrote the head commit, but the
// commit list GitHub returned lacks it (a stale or cut list), so bob would
// look like an outside reviewer approving someone else's change.
func TestAttackHeadMissingFromCommits(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Commits = []githubtest.Commit{{SHA: shaX, Author: &alice, Committer: &alice}} // head (headSHA, by bob) missing
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err == nil && ev.Decision.Decision == engine.Allow {
		t.Fatalf("allowed with a commit list that lacks the head: %s", ev.Decision.Reason)
	}
	if err != nil && !strings.Contains(err.Error(), "head") {
		t.Errorf("error %v does not say the head is missing", err)
	}
	t.Logf("head missing: %v; %s", err, c.Stats())
}

// TestAttackForcePushAfterApproval: bob approved X; right after gov read the
// PR, X is force-pushed away for Z. Bob's approval of X must not approve Z's
// diff, and nothing may be decided for X with Z's data.
func TestAttackForcePushAfterApproval(t *testing.T) {
	fx := fixture()
	srv := serve(t, fx)
	const shaZ = "cccccccccccccccccccccccccccccccccccccccc"
	evil := strings.ReplaceAll(sampleDiff, "+y = 2", "+y = os.system(input())")
	pushed := false
	srv.OnRequest(func(r githubtest.Request) {
		if !pushed && strings.Contains(r.Accept, "diff") {
			pushed = true
			srv.ForcePush(7, []githubtest.Commit{{SHA: shaZ, Author: &alice, Committer: &alice}}, evil)
		}
	})
	c, _ := newTestClient(t, srv, nil)
	ev := evaluateAndPublish(t, c, integrityEvaluator(t, c), 7)
	if ev.PR.HeadSHA != shaZ || ev.Decision.Decision == engine.Allow {
		t.Errorf("evaluated %s: %s (%s); want Z (%s), not allowed (bob approved X only)", ev.PR.HeadSHA, ev.Decision.Decision, ev.Decision.Reason, shaZ)
	}
	for _, s := range srv.Statuses() {
		if s.State == StateSuccess {
			t.Errorf("success posted after a force-push: %+v", s)
		}
	}
	t.Logf("force-push: %s", c.Stats())
}

// TestHeadMovedBeforePosting: a push after the evaluation ended, before
// anything was posted: nothing is posted (no status on either commit, no
// decision comment), so that a slower run never replaces what the run of
// the newer head posts; Publish says ErrStale and gov starts over.
func TestHeadMovedBeforePosting(t *testing.T) {
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, nil)
	ctx := context.Background()
	ev, err := integrityEvaluator(t, c).Evaluate(ctx, repo, 7, engine.Request{}, "")
	if err != nil || ev.Decision.Decision != engine.Allow {
		t.Fatalf("evaluate: %v %+v", err, ev)
	}
	srv.Push(7, githubtest.Commit{SHA: shaY, Author: &alice, Committer: &alice}, sampleDiff)
	if err := c.Publish(ctx, ev, ""); !errors.Is(err, ErrStale) {
		t.Fatalf("publish after the head moved: %v, want ErrStale", err)
	}
	if st, cs := srv.Statuses(), srv.Comments(7); len(st) != 0 || len(cs) != 0 {
		t.Errorf("posted for a head that is no longer the PR's: statuses %+v, comments %+v", st, cs)
	}
}

// TestAttackRetargetDuringEvaluation: the PR is retargeted from feature/x
// (staging: allowed) to main while gov reads it. gov starts over and
// decides it for main; nothing says success for main.
func TestAttackRetargetDuringEvaluation(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Base, fx.PRs[0].Reviews = "feature/x", nil
	srv := serve(t, fx)
	moved := false
	srv.OnRequest(func(r githubtest.Request) {
		if !moved && strings.Contains(r.Accept, "diff") {
			moved = true
			srv.Update(func(f *githubtest.Fixture) { f.PRs[0].Base = "main" })
		}
	})
	c, _ := newTestClient(t, srv, nil)
	ev := evaluateAndPublish(t, c, integrityEvaluator(t, c), 7)
	if ev.PR.BaseRef != "main" || ev.Decision.Decision != engine.RequireApproval || ev.StatusContext != "gov/policy: main" {
		t.Errorf("evaluated for %s: %s, context %q; want main, require_approval", ev.PR.BaseRef, ev.Decision.Decision, ev.StatusContext)
	}
	for _, s := range srv.Statuses() {
		if s.State == StateSuccess {
			t.Errorf("success posted: %+v", s)
		}
	}
	if len(ev.Notes) != 1 || !strings.Contains(ev.Notes[0], "base changed from feature/x to main") {
		t.Errorf("notes %q", ev.Notes)
	}
}

// TestStatusContextOptIn: gov.cue status_context: "gov/policy" keeps the
// bare context (one status for every base branch, by choice).
func TestStatusContextOptIn(t *testing.T) {
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, nil)
	e := integrityEvaluator(t, c)
	e.Bundle.Config.StatusContext = "gov/policy"
	evaluateAndPublish(t, c, e, 7)
	if st := srv.Statuses(); len(st) != 1 || st[0].Context != "gov/policy" {
		t.Errorf("statuses %+v, want one bare gov/policy", st)
	}
}

// TestMovingForeverFailsClosed: a PR whose head moves on every read is
// never decided: gov gives up after MaxAttempts and posts nothing.
func TestMovingForeverFailsClosed(t *testing.T) {
	srv := serve(t, fixture())
	n := 0
	srv.OnRequest(func(r githubtest.Request) {
		if strings.Contains(r.Accept, "diff") {
			n++
			sha := strings.Repeat(string(rune('a'+n)), 40)
			srv.Push(7, githubtest.Commit{SHA: sha, Author: &alice, Committer: &alice}, sampleDiff)
		}
	})
	c, _ := newTestClient(t, srv, nil)
	_, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err == nil || !strings.Contains(err.Error(), "kept moving while gov read it") || n != MaxAttempts {
		t.Errorf("err = %v after %d attempts, want a failure after %d", err, n, MaxAttempts)
	}
	if len(srv.Statuses()) != 0 {
		t.Errorf("statuses %+v", srv.Statuses())
	}
	t.Logf("moving forever: %s", c.Stats())
}

// TestAttackTruncatedDiff: GitHub's diff lists fewer files than the PR
// changed (a cut-off answer): what is missing was never evaluated, so the
// change is not allowed by default.
func TestAttackTruncatedDiff(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Base, fx.PRs[0].Reviews = "feature/x", nil
	fx.PRs[0].Files = append(fx.PRs[0].Files, githubtest.File{Path: "tests/test_app.py", Status: "removed", Deletions: 20})
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev := evaluateAndPublish(t, c, integrityEvaluator(t, c), 7)
	if ev.Decision.Decision == engine.Allow || !strings.Contains(ev.Decision.Reason, "GitHub's diff names 1 of the PR's 2 changed files") {
		t.Errorf("%s: %s", ev.Decision.Decision, ev.Decision.Reason)
	}
}
