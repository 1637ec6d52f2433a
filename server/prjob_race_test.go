package server

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/gittest"
)

// approvalFiles make every change need one approval of the sre role (bob,
// id 2), escalated to security (carol, id 3) after timeout_hours.
var approvalFiles = map[string]string{
	"gov.cue": `environments: production: {enforcement: "strict", require_approval: true}
default_environment: "production"
library: enabled: false
default_workflow: "production_change"
`,
	"roles.cue": `roles: sre: {members: ["user:bob#2"], permissions: ["approve"]}
roles: security: {members: ["user:carol#3"], permissions: ["approve", "break_glass"]}
`,
	"workflows.cue": `workflows: production_change: {
	stages: [{name: "SRE review", approver_roles: ["sre"], min_approvals: 1, timeout_hours: 8}]
	escalate_to: "security"
}
`,
}

func approvalBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, approvalFiles)
	return dir
}

var bob = githubtest.User{Login: "bob", ID: 2}

// TestServeRacingJobsNeverLeaveStaleSuccess: bob's approval lets job 1 post
// success; between its last check and its status, bob's review is
// dismissed and the dismissal's delivery arrives. Job 2 decides "pending".
// If the two jobs of the PR ran at once, job 1's success would land after
// job 2's pending and the PR would stay mergeable without an approval.
func TestServeRacingJobsNeverLeaveStaleSuccess(t *testing.T) {
	fake := fakeGitHub(t)
	fake.Update(func(f *githubtest.Fixture) {
		f.PRs[0].Reviews = []githubtest.Review{{ID: 51, User: bob, State: "APPROVED", CommitID: headSHA,
			SubmittedAt: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)}}
	})
	s := newTestServer(t, Config{Bundle: approvalBundle(t), WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL),
		Workers: 4, MaxAttempts: 3, RetryBase: time.Millisecond})
	base, _ := serve(t, s)
	var hooked atomic.Bool
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method != "POST" || !strings.Contains(r.Path, "/statuses/") || !hooked.CompareAndSwap(false, true) {
			return
		}
		fake.Update(func(f *githubtest.Fixture) { f.PRs[0].Reviews[0].State = "DISMISSED" })
		go postWebhook(t, base, "pull_request_review", "d-2", payload(t, "../testdata/github/webhooks/pull_request_review_dismissed.json"))
		waitFor(3*time.Second, func() bool { return len(fake.Comments(2)) > 0 || s.prs.waiting(keyOf(fakeRepo, 2)) > 0 })
	})
	postWebhook(t, base, "pull_request", "d-1", synchronize(t, headSHA))
	if !waitFor(10*time.Second, func() bool { return len(fake.Statuses()) >= 2 && s.prs.idle() }) {
		t.Fatalf("both jobs did not publish: statuses %+v", fake.Statuses())
	}
	st := fake.Statuses()
	if !hooked.Load() {
		t.Fatalf("job 1 never posted its success: %+v", st)
	}
	if last := st[len(st)-1]; last.State != "pending" {
		t.Errorf("last status %s (%s) after bob's approval was dismissed: want pending", last.State, last.Description)
	}
}
