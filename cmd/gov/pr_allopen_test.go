package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

// escalationBundle: every change needs one SRE approval (bob, id 2), escalated
// to security (carol, id 3) past 8 hours.
func escalationBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"gov.cue": "environments: production: {enforcement: \"strict\", require_approval: true}\n" +
			"default_environment: \"production\"\nlibrary: enabled: false\ndefault_workflow: \"production_change\"\n",
		"roles.cue": "roles: sre: {members: [\"user:bob#2\"], permissions: [\"approve\"]}\n" +
			"roles: security: {members: [\"user:carol#3\"], permissions: [\"approve\", \"break_glass\"]}\n",
		"workflows.cue": "workflows: production_change: {\n\tstages: [{name: \"SRE review\", approver_roles: [\"sre\"], min_approvals: 1, timeout_hours: 8}]\n\tescalate_to: \"security\"\n}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// openPRsFixture: #1 has waited two days for its SRE review, #2 was opened
// an hour ago, #3 is approved by bob, #4 is closed.
func openPRsFixture(t *testing.T) githubtest.Fixture {
	t.Helper()
	diff, err := os.ReadFile("../../testdata/patches/python-null-check.diff")
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := githubtest.User{Login: "alice", ID: 1}, githubtest.User{Login: "bob", ID: 2}
	now := time.Now().UTC()
	pr := func(n int, created time.Time) githubtest.PR {
		head := strings.Repeat(fmt.Sprint(n), 40)
		return githubtest.PR{Number: n, Title: "fix", Author: alice, Head: head, Base: "main", CreatedAt: created, Diff: string(diff),
			Commits: []githubtest.Commit{{SHA: head, Author: &alice, Committer: &alice}}}
	}
	approved := pr(3, now.Add(-time.Hour))
	approved.Reviews = []githubtest.Review{{ID: 300, User: bob, State: "APPROVED", CommitID: approved.Head, SubmittedAt: now.Add(-time.Minute)}}
	closed := pr(4, now.Add(-72*time.Hour))
	closed.State = "closed"
	return githubtest.Fixture{Repo: "acme/app", Token: "ghs_fixturetoken", Users: []githubtest.User{{Login: "carol", ID: 3}},
		PRs: []githubtest.PR{pr(1, now.Add(-48*time.Hour)), pr(2, now.Add(-time.Hour)), approved, closed}}
}

func runAllOpenCLI(t *testing.T, srv *githubtest.Server, extra ...string) (int, string, string) {
	t.Helper()
	t.Setenv("GITHUB_TOKEN", "ghs_fixturetoken")
	t.Setenv("GITHUB_EVENT_PATH", "")
	t.Setenv("GITHUB_ACTIONS", "true") // a scheduled workflow: gov comments as github-actions[bot]
	var out, errb bytes.Buffer
	args := append([]string{"pr", "--all-open", "--repo", "acme/app", "--github-url", srv.URL, "--bundle", escalationBundle(t), "--post", "--verbose"}, extra...)
	code := runWith(args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

// TestPRAllOpenEscalatesOverdue: a scheduled run decides each open PR at its
// own head, posts its status, escalates the one past its stage's timeout
// (once: a second run posts no second comment), never touches the closed
// one, and exits 3, the worst outcome (approval pending).
func TestPRAllOpenEscalatesOverdue(t *testing.T) {
	srv := githubtest.NewEnterprise(openPRsFixture(t))
	defer srv.Close()
	code, out, errb := runAllOpenCLI(t, srv)
	if code != 3 {
		t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	t.Logf("3 open PRs, one overdue: %s", strings.TrimSpace(errb))
	want := map[string]string{strings.Repeat("1", 40): "pending", strings.Repeat("2", 40): "pending", strings.Repeat("3", 40): "success"}
	got := map[string]string{}
	for _, st := range srv.Statuses() {
		got[st.SHA] = st.State
		if st.Context != "gov/policy: main" {
			t.Errorf("status context %q", st.Context)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses by head %v, want %v", got, want)
	}
	escalated := func(n int) int {
		k := 0
		for _, c := range srv.Comments(n) {
			if strings.Contains(c.Body, github.EscalationMarker(1)) && strings.Contains(c.Body, "@carol") {
				k++
			}
		}
		return k
	}
	if escalated(1) != 1 || escalated(2) != 0 || escalated(3) != 0 {
		t.Errorf("escalations: #1 %d, #2 %d, #3 %d; want only #1, once", escalated(1), escalated(2), escalated(3))
	}
	if !strings.Contains(out, `escalation: stage 1 "SRE review" to security`) {
		t.Errorf("output does not name the escalation:\n%s", out)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/pulls/4") || strings.Contains(r.Path, "/issues/4") {
			t.Errorf("the closed PR was read: %s %s", r.Method, r.Path)
		}
	}
	// The next scheduled run does not escalate again.
	if code, out, errb := runAllOpenCLI(t, srv); code != 3 || escalated(1) != 1 {
		t.Errorf("second run: exit %d, %d escalations of #1\n%s\n%s", code, escalated(1), out, errb)
	}
}

// TestPRAllOpenFailsClosedOnListError: when the open PRs cannot be listed
// whole (an error on the first or a later page), nothing is decided and
// gov exits 2: a PR left out would never be escalated nor decided.
func TestPRAllOpenFailsClosedOnListError(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault githubtest.Fault
	}{
		{"first page", githubtest.Fault{Path: "/repos/acme/app/pulls", Status: 502}},
		{"second page", githubtest.Fault{Path: "/repos/acme/app/pulls", Query: "page=2", Status: 500}},
		{"garbage", githubtest.Fault{Path: "/repos/acme/app/pulls", Body: "<html>"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fx := openPRsFixture(t)
			for n := 5; n <= 105; n++ { // a second page of open PRs
				p := fx.PRs[1]
				p.Number = n
				fx.PRs = append(fx.PRs, p)
			}
			srv := githubtest.NewEnterprise(fx)
			defer srv.Close()
			srv.AddFault(tt.fault)
			code, out, errb := runAllOpenCLI(t, srv)
			if code != 2 || len(srv.Statuses()) != 0 {
				t.Fatalf("exit %d with statuses %+v, want 2 and none\nstdout:\n%s\nstderr:\n%s", code, srv.Statuses(), out, errb)
			}
		})
	}
}

// TestPRAllOpenWorstExitCode: one PR that cannot be decided does not keep
// the others from being decided and published, and makes the exit code 2.
func TestPRAllOpenWorstExitCode(t *testing.T) {
	srv := githubtest.NewEnterprise(openPRsFixture(t))
	defer srv.Close()
	srv.AddFault(githubtest.Fault{Path: "/repos/acme/app/pulls/2", Status: 500})
	code, out, errb := runAllOpenCLI(t, srv, "--format", "json")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, out, errb)
	}
	var got struct {
		PRs []struct {
			Number   int
			Decision string
			Error    string
		} `json:"pull_requests"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got.PRs) != 3 || got.PRs[1].Error == "" || got.PRs[0].Decision != "require_approval" || got.PRs[2].Decision != "allow" {
		t.Errorf("per PR: %+v", got.PRs)
	}
	if len(srv.Statuses()) != 2 {
		t.Errorf("statuses %+v: want #1 and #3", srv.Statuses())
	}
}

func TestWorseExit(t *testing.T) {
	for _, tt := range [][3]int{{0, 3, 3}, {3, 1, 1}, {1, 3, 1}, {1, 2, 2}, {2, 0, 2}, {0, 0, 0}, {0, 7, 7}, {3, -1, -1}} {
		if got := worseExit(tt[0], tt[1]); got != tt[2] {
			t.Errorf("worseExit(%d, %d) = %d, want %d", tt[0], tt[1], got, tt[2])
		}
	}
}
