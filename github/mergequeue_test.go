package github

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

const groupSHA1, groupSHA2 = "9000000000000000000000000000000000000001", "9000000000000000000000000000000000000002"

// queueFixture: #7 (approved by bob) and #8 (no approval) into main, both
// in main's merge queue, #8 behind #7.
func queueFixture(approve8 bool) githubtest.Fixture {
	fx := fixture()
	second := fx.PRs[0]
	second.Number, second.Head = 8, shaY
	second.Commits = []githubtest.Commit{{SHA: shaY, Author: &alice, Committer: &alice}}
	second.Reviews = nil
	if approve8 {
		second.Reviews = []githubtest.Review{{ID: 11, User: bob, State: "APPROVED", CommitID: shaY, SubmittedAt: t0.Add(time.Hour)}}
	}
	fx.PRs = append(fx.PRs, second)
	fx.MergeQueue = []githubtest.QueueEntry{{PR: 7, GroupSHA: groupSHA1}, {PR: 8, GroupSHA: groupSHA2}}
	return fx
}

func evaluateGroup(t *testing.T, srv *githubtest.Server, head string) (*GroupEvaluation, *Client, error) {
	t.Helper()
	c, _ := newTestClient(t, srv, nil)
	ge, err := integrityEvaluator(t, c).EvaluateGroup(context.Background(), c, MergeGroup{Repo: repo, HeadSHA: head, BaseRef: "main"}, engine.Request{}, "")
	if err == nil {
		err = c.PublishGroup(context.Background(), ge, "")
	}
	return ge, c, err
}

// TestMergeGroupAllAllowed: both PRs approved: success on the group commit.
func TestMergeGroupAllAllowed(t *testing.T) {
	srv := serve(t, queueFixture(true))
	ge, c, err := evaluateGroup(t, srv, groupSHA2)
	if err != nil {
		t.Fatal(err)
	}
	if ge.Decision != engine.Allow || len(ge.PRs) != 2 {
		t.Fatalf("group: %s (%s), %d PRs", ge.Decision, ge.Reason, len(ge.PRs))
	}
	st := srv.Statuses()
	if len(st) != 1 || st[0].SHA != groupSHA2 || st[0].State != StateSuccess || st[0].Context != "gov/policy: main" {
		t.Errorf("statuses %+v", st)
	}
	t.Logf("merge group of 2: %s", c.Stats())
}

// TestAttackMergeGroupCarriesUnapprovedPR: #7 is approved, #8 behind it is
// not. The group of #8 holds both and must not pass; the group of #7 alone
// passes.
func TestAttackMergeGroupCarriesUnapprovedPR(t *testing.T) {
	srv := serve(t, queueFixture(false))
	ge, _, err := evaluateGroup(t, srv, groupSHA2)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Statuses()
	if ge.Decision == engine.Allow || len(st) != 1 || st[0].State != StateFailure || !strings.Contains(st[0].Description, "#8 require_approval") {
		t.Errorf("group of #8: %s (%s), statuses %+v", ge.Decision, ge.Reason, st)
	}
	if ge, _, err := evaluateGroup(t, srv, groupSHA1); err != nil || ge.Decision != engine.Allow || len(ge.PRs) != 1 {
		t.Errorf("group of #7: %+v, %v", ge, err)
	}
}

// TestAttackMergeGroupUnknownOrMoved: a group gov cannot find in the queue
// is an error (nothing posted); a PR whose head moved since it was queued
// does not pass.
func TestAttackMergeGroupUnknownOrMoved(t *testing.T) {
	srv := serve(t, queueFixture(true))
	if _, _, err := evaluateGroup(t, srv, "8000000000000000000000000000000000000000"); err == nil || !strings.Contains(err.Error(), "not in the merge queue") {
		t.Errorf("unknown group: err = %v", err)
	}
	if len(srv.Statuses()) != 0 {
		t.Errorf("statuses %+v", srv.Statuses())
	}
	srv.Update(func(f *githubtest.Fixture) { f.MergeQueue[0].PRHead = shaX })
	ge, _, err := evaluateGroup(t, srv, groupSHA2)
	if err != nil || ge.Decision != engine.Deny || !strings.Contains(ge.Reason, "#7 deny: queued at aaaaaaa, now at 1111111") {
		t.Errorf("moved PR: %+v, %v", ge, err)
	}
}
