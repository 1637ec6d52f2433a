package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/gittest"
)

// TestExplainPRRecordListsStaleReview: gov pr records a decision in which
// one approval was made on an older commit; gov explain of that record (by
// file and by digest) lists the stale review as ignored, with the reason,
// and the review that counted.
func TestExplainPRRecordListsStaleReview(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "policy")
	audit := filepath.Join(dir, "audit")
	for name, text := range map[string]string{
		"gov.cue": `enforcement: "strict"
library: enabled: false
environments: production: {enforcement: "strict", require_approval: true}
default_environment: "production"
branches: main: "production"
`,
		"roles.cue": `roles: sre: {members: ["user:sam#5", "user:rita#6"], permissions: ["approve"]}` + "\n",
		"workflows.cue": `workflows: prod: {
	when: environments: ["production"]
	stages: [{name: "SRE review", approver_roles: ["sre"], min_approvals: 1}]
}
`,
	} {
		if err := os.MkdirAll(bundle, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bundle, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	head, old := strings.Repeat("a", 40), strings.Repeat("b", 40)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	fx := githubtest.Fixture{Repo: "acme/app", Token: "ghs_fixturetoken", PRs: []githubtest.PR{{
		Number: 7, Title: "fix", Author: githubtest.User{Login: "healer", ID: 9},
		Head: head, Base: "main", CreatedAt: at, Diff: "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\n+y\n",
		Commits: []githubtest.Commit{{SHA: head}},
		Reviews: []githubtest.Review{
			{ID: 11, User: githubtest.User{Login: "sam", ID: 5}, State: "APPROVED", CommitID: old, SubmittedAt: at.Add(time.Hour)},
			{ID: 12, User: githubtest.User{Login: "rita", ID: 6}, State: "APPROVED", CommitID: head, SubmittedAt: at.Add(2 * time.Hour)},
		},
	}}}
	gh := githubtest.NewEnterprise(fx)
	defer gh.Close()
	t.Setenv(envGitHubAPIURL, gh.URL)
	t.Setenv(envGitHubToken, fx.Token)
	t.Setenv(envGitHubActions, "true")
	gov := func(wantCode int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runWith(args, strings.NewReader(""), &out, &errb); code != wantCode {
			t.Fatalf("gov %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out.String(), errb.String())
		}
		return out.String()
	}
	gov(0, "pr", "--repo", "acme/app", "--pr", "7", "--bundle", bundle, "--audit-dir", audit)
	records, err := filepath.Glob(filepath.Join(audit, "*", "*", "*.json"))
	if err != nil || len(records) != 1 {
		t.Fatalf("records %v (%v), want one", records, err)
	}
	text := gov(0, "explain", "--bundle", bundle, records[0])
	for _, want := range []string{
		"ignored sam (review 11): stale: approved commit bbbbbbb",
		`counted rita (review 12): stage "SRE review":`,
		"when.environments [\"production\"]: environment is \"production\"",
		"record: sha256:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("gov explain RECORD lacks %q:\n%s", want, text)
		}
	}
	digest := "sha256:" + strings.TrimSuffix(filepath.Base(records[0]), ".json")[:16]
	var x struct {
		Reviews []struct{ Login, Status, Reason string }
	}
	if err := json.Unmarshal([]byte(gov(0, "explain", "--bundle", bundle, "--audit-dir", audit, digest, "--format", "json")), &x); err != nil {
		t.Fatal(err)
	}
	stale := false
	for _, r := range x.Reviews {
		if r.Login == "sam" && r.Status == "ignored" && strings.HasPrefix(r.Reason, "stale:") {
			stale = true
		}
	}
	if !stale {
		t.Errorf("JSON reviews %+v: want sam ignored as stale", x.Reviews)
	}
	// Under another bundle the rules are listed but not traced, and the
	// explanation says which revision to give.
	if other := gov(0, "explain", "--bundle", "embedded", records[0]); !strings.Contains(other, "note: rules not traced: the bundle at hand is revision embedded:") {
		t.Errorf("explain under another bundle does not say its rules are not traced:\n%s", other)
	}
	gov(2, "explain", "--bundle", bundle, "--audit-dir", audit, "sha256:ffffffffffffffff")
	gov(2, "explain", "--bundle", bundle, "--audit-dir", filepath.Join(dir, "typo"), digest)
}

// TestExplainRecordAtItsCommit: a record decided under a bundle in Git is
// explained under the bundle at that commit, though the bundle has changed
// since, when no --bundle is given.
func TestExplainRecordAtItsCommit(t *testing.T) {
	r := gittest.New(t)
	rule := func(msg string) map[string]string {
		return map[string]string{
			"policy/gov.cue":   "library: enabled: false\n",
			"policy/rules.cue": `rules: [{id: "no-debug", message: "` + msg + `", action: "deny", conditions: [{field: "patch_content", operator: "contains", value: "DEBUG"}]}]` + "\n",
		}
	}
	first := r.Commit("v1", rule("debug on"))
	t.Chdir(r.Dir)
	t.Setenv(envBundle, "")
	t.Setenv(envAuditDir, "")
	diff := filepath.Join(t.TempDir(), "fix.diff")
	if err := os.WriteFile(diff, []byte("diff --git a/s.py b/s.py\n--- a/s.py\n+++ b/s.py\n@@ -1 +1,2 @@\n x = 1\n+DEBUG = True\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(t.TempDir(), "audit")
	var out, errb bytes.Buffer
	if code := runWith([]string{"eval", "--bundle", "policy", "--patch", diff, "--audit-dir", audit}, strings.NewReader(""), &out, &errb); code != 1 {
		t.Fatalf("gov eval: exit %d\n%s%s", code, out.String(), errb.String())
	}
	r.Commit("v2", rule("something else"))
	records, _ := filepath.Glob(filepath.Join(audit, "*", "*", "*.json"))
	if len(records) != 1 {
		t.Fatalf("records %v", records)
	}
	out.Reset()
	errb.Reset()
	if code := runWith([]string{"explain", records[0]}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("gov explain: exit %d\n%s", code, errb.String())
	}
	for _, want := range []string{"revision " + first, "deny no-debug (rules.cue:1): debug on", `condition patch_content contains "DEBUG": read "DEBUG = True"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "not traced") {
		t.Errorf("explain did not use the bundle at the record's commit:\n%s", out.String())
	}
}
