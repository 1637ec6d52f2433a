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
	"github.com/gov-policy/gov/internal/leaktest"
)

// TestNoSecretLeavesTheCLI plants secrets of every kind of leaktest in the
// patch and in every request field, and runs every entry point that
// prints or writes a decision: gov eval in each format (and --output),
// gov explain of the request and of every record (text and JSON),
// gov pr (text, json, its comment, status, SARIF file and evidence), gov
// report and gov simulate over the records. No output, no file written
// (temp files included) and nothing posted to GitHub holds a raw secret.
func TestNoSecretLeavesTheCLI(t *testing.T) {
	dir := t.TempDir()
	audit := filepath.Join(dir, "audit")
	kinds := leaktest.Kinds()
	diff := leaktest.Patch(kinds)
	req := leaktest.Request(kinds, diff)
	req.Environment = "production"
	reqJSON, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reqFile := write("request.json", reqJSON)
	t.Setenv(envCosignPassword, "test-password")
	t.Setenv(envBundle, "embedded")
	gov := func(wantCode int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := runWith(args, strings.NewReader(""), &out, &errb)
		if code != wantCode {
			t.Fatalf("gov %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, errb.String())
		}
		leaktest.Check(t, "gov "+args[0]+" "+args[1]+" stdout", out.Bytes())
		leaktest.Check(t, "gov "+args[0]+" "+args[1]+" stderr", errb.Bytes())
		return out.String()
	}
	key := filepath.Join(dir, "gov")
	gov(0, "audit", "keygen", "--output-key-prefix", key)

	for _, format := range []string{"text", "json", "sarif", "github"} {
		args := []string{"eval", "--request", reqFile, "--format", format, "--audit-dir", audit}
		if format == "json" {
			args = append(args, "--sign", "key", "--key", key+".key")
		}
		out := gov(1, args...)
		if format != "github" && !strings.Contains(out, "****") {
			t.Errorf("gov eval --format %s shows no masked secret:\n%.2000s", format, out)
		}
	}
	gov(1, "eval", "--request", reqFile, "--output", filepath.Join(dir, "eval.json"), "--format", "json")
	gov(0, "eval", "--request", reqFile, "--print-input", "--output", filepath.Join(dir, "input.json"))

	// gov pr: the PR's diff carries the secrets, and so does its title.
	fx := githubtest.Fixture{Repo: "acme/app", Token: "ghs_fixturetoken", PRs: []githubtest.PR{{
		Number: 7, Title: leaktest.Line(kinds[1]), Author: githubtest.User{Login: "healer", ID: 9},
		Head: strings.Repeat("a", 40), Base: "main", CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Diff: diff,
		Commits: []githubtest.Commit{{SHA: strings.Repeat("a", 40)}},
	}}}
	gh := githubtest.NewEnterprise(fx)
	defer gh.Close()
	t.Setenv(envGitHubAPIURL, gh.URL)
	t.Setenv(envGitHubToken, fx.Token)
	t.Setenv(envGitHubActions, "true") // gov comments as github-actions[bot], the fake's poster
	for _, format := range []string{"text", "json"} {
		args := []string{"pr", "--repo", "acme/app", "--pr", "7", "--post", "--format", format,
			"--audit-dir", audit, "--sarif-output", filepath.Join(dir, format+".sarif")}
		if format == "json" {
			args = append(args, "--request", reqFile, "--sign", "key", "--key", key+".key", "--evidence-output", filepath.Join(dir, "pr.sigstore.json"))
		}
		gov(1, args...)
	}
	var posted bytes.Buffer
	for _, c := range gh.Comments(7) {
		posted.WriteString(c.Body + "\n")
	}
	for _, s := range gh.Statuses() {
		posted.WriteString(s.Description + "\n")
	}
	if !strings.Contains(posted.String(), "****") {
		t.Errorf("the PR comment shows no masked secret:\n%s", posted.String())
	}
	leaktest.Check(t, "PR comment and status", posted.Bytes())

	gov(0, "report", "--framework", "soc2", "--audit-dir", audit)
	gov(0, "report", "--framework", "soc2", "--audit-dir", audit, "--format", "html", "--output", filepath.Join(dir, "report.html"))
	gov(0, "simulate", "--bundle", "embedded", "--baseline", "embedded", "--audit-dir", audit, "--format", "json")
	gov(0, "audit", "log", "--audit-dir", audit)

	// gov explain prints the values rules read: of the request (secrets
	// raw in it) and of every record, by file and by digest.
	// A policy that reads every request field and binds each added line.
	leaky := filepath.Join(dir, "leaky")
	for name, text := range map[string]string{
		"gov.cue": "library: enabled: true\n",
		"policies/leaky.rego": `package gov.custom.leaky

warn contains msg if {
	some f in input.patch.files
	some l in f.added
	input.request.service_name != input.request.requested_by
	input.request.request_id != input.request.action_type
	input.request.language != input.request.environment
	input.request.error_context != input.request.metadata
	msg := sprintf("%s:%d read", [f.path, l.line])
}
`,
	} {
		_ = os.MkdirAll(filepath.Dir(filepath.Join(leaky, name)), 0o700)
		write(filepath.Join("leaky", name), []byte(text))
	}
	for _, format := range []string{"text", "json"} {
		gov(0, "explain", "--bundle", leaky, "--request", reqFile, "--format", format)
		out := gov(0, "explain", "--request", reqFile, "--format", format)
		if !strings.Contains(out, "****") {
			t.Errorf("gov explain --format %s shows no masked secret:\n%.2000s", format, out)
		}
	}
	gov(0, "explain", "--request", reqFile, "--format", "json", "-o", filepath.Join(dir, "explain.json"))
	records, _ := filepath.Glob(filepath.Join(audit, "*", "*", "*.json"))
	for _, rec := range records {
		if strings.HasSuffix(rec, ".sigstore.json") {
			continue
		}
		gov(0, "explain", rec)
		gov(0, "explain", "--audit-dir", audit, "sha256:"+strings.TrimSuffix(filepath.Base(rec), ".json"), "--format", "json")
	}

	if n := leaktest.CheckDir(t, audit); n < 6 {
		t.Errorf("%d files in the audit directory, want 4 records and 2 evidence bundles at least", n)
	}
	// Every file written, the request itself aside (it is the input).
	if err := os.Remove(reqFile); err != nil {
		t.Fatal(err)
	}
	leaktest.CheckDir(t, dir)
}
