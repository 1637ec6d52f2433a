package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

// The merge queue of acme/app main: #2 (approved by bob of acme/sre) and
// #3 behind it (approved by nobody). The embedded bundle requires an SRE
// approval in production (main).
const (
	shaPR3     = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
	groupOf2   = "9000000000000000000000000000000000000002"
	groupOf3   = "9000000000000000000000000000000000000003"
	groupOther = "9000000000000000000000000000000000000009"
)

func fakeQueue(t *testing.T) *githubtest.Server {
	t.Helper()
	return fakeApp(t, func(fx *githubtest.Fixture) {
		bob := githubtest.User{Login: "bob", ID: 2}
		fx.Teams = map[string][]string{"acme/sre": {"bob"}}
		fx.PRs[0].Reviews = []githubtest.Review{{ID: 1, User: bob, State: "APPROVED", CommitID: shaAcme, SubmittedAt: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)}}
		third := fx.PRs[0]
		third.Number, third.Head, third.Reviews = 3, shaPR3, nil
		third.Commits = []githubtest.Commit{{SHA: shaPR3, Author: &third.Author, Committer: &third.Author}}
		fx.PRs = append(fx.PRs, third)
		fx.MergeQueue = []githubtest.QueueEntry{{PR: 2, GroupSHA: groupOf2}, {PR: 3, GroupSHA: groupOf3}}
	})
}

func queueServer(t *testing.T, fake *githubtest.Server) *Server {
	t.Helper()
	return appServer(t, fake, nil, func(c *Config) { c.Bundle = "embedded" })
}

// groupEvent is a merge_group payload of acme/app main.
func groupEvent(t *testing.T, action, head string, installation int64) []byte {
	t.Helper()
	m := map[string]any{"action": action, "merge_group": map[string]any{"head_sha": head,
		"head_ref": "refs/heads/gh-readonly-queue/main/pr-2-" + shaAcme, "base_sha": strings.Repeat("0", 40), "base_ref": "refs/heads/main"},
		"repository": map[string]any{"full_name": "acme/app"}}
	if installation != 0 {
		m["installation"] = map[string]any{"id": installation}
	}
	return mustJSON(t, m)
}

// onlyStatus is the one status set, which must be on the group's commit.
func onlyStatus(t *testing.T, fake *githubtest.Server, sha string) githubtest.Status {
	t.Helper()
	st := fake.Statuses()
	if len(st) != 1 || st[0].SHA != sha || st[0].Repo != "acme/app" || st[0].Context != "gov/policy: main" {
		t.Fatalf("statuses %+v: want one gov/policy: main on acme/app@%s", st, sha)
	}
	return st[0]
}

// TestServeMergeGroupAllowedPostsSuccessOnGroupHead: the group of #2
// holds #2 only, which is approved: success on the group's commit (and on
// no PR head), with installation 1's token.
func TestServeMergeGroupAllowedPostsSuccessOnGroupHead(t *testing.T) {
	fake := fakeQueue(t)
	s := queueServer(t, fake)
	serve(t, s)
	mustQueue(t, s, "merge_group", "g1", groupEvent(t, "checks_requested", groupOf2, 1))
	if failed := waitJobs(t, s, "merge_group", 1); failed != 0 {
		t.Errorf("the merge group job failed")
	}
	if st := onlyStatus(t, fake, groupOf2); st.State != github.StateSuccess {
		t.Errorf("status %+v: want success", st)
	}
	if fake.Refused() != 0 || len(fake.InstallationTokens(1)) != 1 {
		t.Errorf("refused %d, tokens of installation 1: %d", fake.Refused(), len(fake.InstallationTokens(1)))
	}
}

// TestServeMergeGroupOnePRNotApprovedFails: the group of #3 carries #2
// (approved) and #3 (not): failure on the group's commit, naming #3.
func TestServeMergeGroupOnePRNotApprovedFails(t *testing.T) {
	fake := fakeQueue(t)
	s := queueServer(t, fake)
	serve(t, s)
	mustQueue(t, s, "merge_group", "g1", groupEvent(t, "checks_requested", groupOf3, 1))
	waitJobs(t, s, "merge_group", 1)
	if st := onlyStatus(t, fake, groupOf3); st.State != github.StateFailure || !strings.Contains(st.Description, "#3 require_approval") {
		t.Errorf("status %+v: want failure naming #3", st)
	}
}

// TestServeMergeGroupErrorFailsClosed: a group gov cannot find in the
// queue, and a queue GitHub will not list (500 on every attempt), each end
// in failure on the group's commit: never success, never silence.
func TestServeMergeGroupErrorFailsClosed(t *testing.T) {
	for _, tt := range []struct {
		name, head string
		fault      bool
		want       string
	}{
		{"group not in the queue", groupOther, false, "not in the merge queue"},
		{"queue unreadable", groupOf2, true, "merge queue of acme/app main"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakeQueue(t)
			if tt.fault {
				fake.AddFault(githubtest.Fault{Path: "/api/graphql", Status: http.StatusInternalServerError})
			}
			s := queueServer(t, fake)
			serve(t, s)
			mustQueue(t, s, "merge_group", "g1", groupEvent(t, "checks_requested", tt.head, 1))
			if failed := waitJobs(t, s, "merge_group", 1); failed != 1 {
				t.Errorf("the job did not fail")
			}
			if st := onlyStatus(t, fake, tt.head); st.State != github.StateFailure || !strings.Contains(st.Description, tt.want) {
				t.Errorf("status %+v: want failure saying %q", st, tt.want)
			}
		})
	}
}

// TestServeMergeGroupDeliveryChecks: merge_group deliveries pass the same
// signature, replay and payload checks as the other events.
func TestServeMergeGroupDeliveryChecks(t *testing.T) {
	fake := fakeQueue(t)
	s := queueServer(t, fake)
	h := s.Handler()
	good := groupEvent(t, "checks_requested", groupOf2, 1)
	code, _ := call(t, h, http.MethodPost, "/webhook", map[string]string{"X-GitHub-Event": "merge_group",
		"X-GitHub-Delivery": "forged", "X-Hub-Signature-256": sign("other-secret", good)}, good)
	if code != http.StatusUnauthorized {
		t.Errorf("forged signature: %d, want 401", code)
	}
	steps := []struct {
		name, id string
		body     []byte
		want     int
		result   string
	}{
		{"queued", "a", good, 202, resultQueued},
		{"replayed id", "a", good, 200, resultDuplicate},
		{"replayed body under a new id", "b", good, 200, resultDuplicate},
		{"destroyed is not decided", "c", groupEvent(t, "destroyed", groupOf2, 1), 202, resultIgnored},
		{"no installation under App auth", "d", groupEvent(t, "checks_requested", groupOf3, 0), 400, resultBadPayload},
		{"head not a commit id", "e", groupEvent(t, "checks_requested", strings.Repeat("z", 40), 1), 400, resultBadPayload},
		{"no merge_group", "f", []byte(`{"action":"checks_requested","repository":{"full_name":"acme/app"}}`), 400, resultBadPayload},
	}
	for _, st := range steps {
		if code, result := deliver(t, h, "merge_group", st.id, st.body); code != st.want || result != st.result {
			t.Errorf("%s: %d %q, want %d %q", st.name, code, result, st.want, st.result)
		}
	}
	if got := s.queue.depth(); got != 1 {
		t.Errorf("queue depth %d, want 1", got)
	}
	if !hasMetric(metricsText(t, h), `gov_webhook_deliveries_total{event="merge_group",result="queued"} 1`) {
		t.Error("merge_group deliveries are not counted under their event")
	}
}
