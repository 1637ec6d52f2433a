package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
)

// TestMergeGroupStartsOverWhenAPRChanges: a PR of the group gets a new
// review between gov's evaluation and its success status. gov pr posts
// nothing for the stale evaluation and starts over (as it does for one PR
// and as gov serve does for a group), instead of failing the merge queue's
// check with exit 2 and no status.
func TestMergeGroupStartsOverWhenAPRChanges(t *testing.T) {
	dir := t.TempDir()
	script, err := os.ReadFile("../../testdata/script/pr_merge_group.txtar")
	if err != nil {
		t.Fatal(err)
	}
	_, queue, ok := strings.Cut(string(script), "-- queue.json --\n")
	if !ok {
		t.Fatal("pr_merge_group.txtar has no queue.json")
	}
	queue, _, _ = strings.Cut(queue, "\n-- ")
	fixture := filepath.Join(dir, "queue.json")
	event := filepath.Join(dir, "group1.json")
	if err := os.WriteFile(fixture, []byte(queue), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(event, []byte(`{"action": "checks_requested", "merge_group": {"head_sha": "9999999999999999999999999999999999999999",
 "head_ref": "refs/heads/gh-readonly-queue/main/pr-1-1111111111111111111111111111111111111111",
 "base_sha": "0000000000000000000000000000000000000000", "base_ref": "refs/heads/main"},
 "repository": {"full_name": "acme/app"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fx, err := githubtest.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	fake := githubtest.NewEnterprise(fx)
	defer fake.Close()
	var gets atomic.Int32
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method != "GET" || r.Path != "/api/v3/repos/acme/app/pulls/1" || gets.Add(1) != 2 {
			return
		}
		// The evaluation's re-read of #1: its reviews were read. A comment
		// review arrives before the status is posted.
		fake.Update(func(fx *githubtest.Fixture) {
			carol := githubtest.User{Login: "carol", ID: 3}
			fx.PRs[0].Reviews = append(fx.PRs[0].Reviews, githubtest.Review{ID: 9, User: carol, State: "COMMENTED",
				CommitID: fx.PRs[0].Head, SubmittedAt: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)})
		})
	})
	t.Setenv("GITHUB_API_URL", fake.URL)
	t.Setenv("GITHUB_TOKEN", fx.Token)
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_EVENT_PATH", event)
	code, out, errOut := govRun(t, "pr", "--post")
	if code != 0 || !strings.Contains(errOut, "starting over") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want a start over and exit 0", code, out, errOut)
	}
	st := fake.Statuses()
	if len(st) != 1 || st[0].State != "success" || !strings.HasPrefix(st[0].SHA, "9999999") {
		t.Fatalf("statuses %+v: want one success on the group's commit", st)
	}
}
