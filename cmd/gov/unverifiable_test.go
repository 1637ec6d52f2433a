package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
)

// TestPRUnverifiableBlockerNeverExitsZero: bob (acme/sre) approves, gina
// requests changes, and whether gina is an SRE (team acme/oncall) cannot be
// checked. gov pr must not exit 0 for any way the check fails: it waits
// for approval (3) naming gina and why, or fails (2) when its own time
// limit runs out.
func TestPRUnverifiableBlockerNeverExitsZero(t *testing.T) {
	const path = "/orgs/acme/teams/oncall/members"
	tests := []struct {
		name   string
		fault  *githubtest.Fault
		code   int
		output string
	}{
		{"listed, gina is no SRE", nil, 0, "ALLOW"},
		{"server error", &githubtest.Fault{Path: path, Status: 500}, 3, "GitHub answered 500"},
		{"forbidden", &githubtest.Fault{Path: path, Status: 403}, 3, "forbidden (403)"},
		{"not found", &githubtest.Fault{Path: path, Status: 404}, 3, "a wrong slug, or a secret team"},
		{"primary rate limit", &githubtest.Fault{Path: path, Status: 403, Reset: time.Now().Add(40 * time.Minute)}, 3, "primary rate limit exhausted"},
		{"secondary rate limit", &githubtest.Fault{Path: path, Status: 429, RetryAfter: 600}, 3, "secondary rate limit"},
		{"garbage", &githubtest.Fault{Path: path, Body: "<html>"}, 3, "not the JSON expected"},
		{"second page fails", &githubtest.Fault{Path: path, Query: "page=2", Status: 502}, 3, "GitHub answered 502"},
		{"timeout", &githubtest.Fault{Path: path, Delay: githubtest.Duration(20 * time.Second)}, 2, "context deadline exceeded"},
	}
	bundle := blockerBundle(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.NewEnterprise(blockerFixture(t))
			defer srv.Close()
			if tt.fault != nil {
				srv.AddFault(*tt.fault)
			}
			t.Setenv("GITHUB_TOKEN", "ghs_fixturetoken")
			t.Setenv("GITHUB_EVENT_PATH", "")
			var out, errb bytes.Buffer
			code := runWith([]string{"pr", "--repo", "acme/app", "--pr", "1", "--github-url", srv.URL, "--bundle", bundle, "--timeout", "3s"}, nil, &out, &errb)
			if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.output) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.code, tt.output, out.String(), errb.String())
			}
			if code == 3 && !strings.Contains(out.String(), `pending: changes requested by gina (stage "SRE review"; gina could not be checked, so the request counts: team acme/oncall unverifiable: `) {
				t.Errorf("the pending reason does not name gina and why:\n%s", out.String())
			}
		})
	}
}

func blockerFixture(t *testing.T) githubtest.Fixture {
	t.Helper()
	diff, err := os.ReadFile("../../testdata/patches/python-null-check.diff")
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Repeat("a", 40)
	alice, bob, gina := githubtest.User{Login: "alice", ID: 1}, githubtest.User{Login: "bob", ID: 2}, githubtest.User{Login: "gina", ID: 7}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	members := make([]string, 150)
	for i := range members {
		members[i] = fmt.Sprintf("oncall%03d", i)
	}
	return githubtest.Fixture{
		Repo: "acme/app", Token: "ghs_fixturetoken",
		PRs: []githubtest.PR{{
			Number: 1, Title: "fix", Author: alice, Head: head, Base: "main", CreatedAt: at.Add(-time.Hour), Diff: string(diff),
			Commits: []githubtest.Commit{{SHA: head, Author: &alice, Committer: &alice}},
			Reviews: []githubtest.Review{
				{ID: 100, User: bob, State: "APPROVED", CommitID: head, SubmittedAt: at},
				{ID: 101, User: gina, State: "CHANGES_REQUESTED", CommitID: head, SubmittedAt: at.Add(time.Minute)},
			},
		}},
		Teams: map[string][]string{"acme/sre": {"bob"}, "acme/oncall": members},
	}
}

// blockerBundle is the built-in bundle with the SRE role held by two teams.
func blockerBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"gov.cue", "workflows.cue"} {
		b, err := os.ReadFile(filepath.Join("../../bundles/default", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	roles := `roles: sre: {members: ["team:acme/sre", "team:acme/oncall"], permissions: ["approve"]}
roles: security: {members: ["team:acme/security"], permissions: ["approve", "break_glass"]}
`
	if err := os.WriteFile(filepath.Join(dir, "roles.cue"), []byte(roles), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}
