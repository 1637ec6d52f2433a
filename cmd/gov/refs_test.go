package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/gittest"
)

// policyRepo builds a Git policy repository with go-git: each step writes
// files, commits and tags. It returns the repository directory.
func policyRepo(t *testing.T, steps []repoStep) string {
	t.Helper()
	r := gittest.New(t)
	for _, s := range steps {
		files := map[string]string{}
		for name, content := range s.files {
			if content == "" {
				name = "-" + name
			}
			files[name] = content
		}
		sha := r.Commit(s.message, files)
		if s.tag != "" {
			r.Tag(s.tag, sha, false)
		}
	}
	return r.Dir
}

type repoStep struct {
	message string
	tag     string
	files   map[string]string // "" deletes
}

const workflowRego = `package gov.custom.ci

# METADATA
# title: CI workflow edits are denied
# custom:
#   id: custom/no-ci-edits
#   controls: ["SOC2:CC8.1"]
deny contains {"msg": "bots may not edit CI workflows", "file": f.path} if {
	some f in input.patch.files
	startswith(f.path, ".github/workflows/")
}
`

// TestSamePatchDifferentRefs shows that the same patch gets different
// decisions under different policy versions, read from Git refs.
func TestSamePatchDifferentRefs(t *testing.T) {
	dir := policyRepo(t, []repoStep{
		{message: "start with config only", tag: "v1", files: map[string]string{
			"gov.cue": "enforcement: \"strict\"\nlibrary: enabled: false\n",
		}},
		{message: "deny CI edits", tag: "v2", files: map[string]string{
			"policies/ci.rego": workflowRego,
		}},
		{message: "warn only", tag: "v3", files: map[string]string{
			"gov.cue": "enforcement: \"warn\"\nlibrary: enabled: false\n",
		}},
	})
	patchFile := filepath.Join("..", "..", "testdata", "patches", "workflow-change.diff")
	tests := []struct {
		ref      string
		wantCode int
		want     string
	}{
		{"v1", 0, "reason: no policy violations"}, // no rule yet, library off
		{"v2", 1, "custom/no-ci-edits"},
		{"v3", 0, "not enforced"},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runWith([]string{"eval", "--bundle", dir + "@" + tc.ref, "--patch", patchFile, "--env", "staging"}, nil, &out, &errb)
			if code != tc.wantCode || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr: %s", code, tc.wantCode, out.String(), errb.String())
			}
		})
	}
}

// TestBundleHistoryCommands checks gov bundle log and diff on a Git policy repo.
func TestBundleHistoryCommands(t *testing.T) {
	dir := policyRepo(t, []repoStep{
		{message: "roles", tag: "v1", files: map[string]string{
			"roles.cue": "roles: sre: {members: [\"team:acme/sre\"], permissions: [\"approve\"]}\n",
		}},
		{message: "deny CI edits", tag: "v2", files: map[string]string{
			"policies/ci.rego": workflowRego,
			"rules.cue":        "rules: [{id: \"no-todo\", message: \"no TODO\", action: \"warn\", conditions: [{field: \"patch_content\", operator: \"contains\", value: \"TODO\"}]}]\n",
		}},
	})
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runWith(args, nil, &out, &errb); code != 0 {
			t.Fatalf("gov %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	log := run("bundle", "log", dir)
	for _, want := range []string{"deny CI edits", "+ rule custom/no-ci-edits", "+ rule no-todo", "roles", "+ role sre"} {
		if !strings.Contains(log, want) {
			t.Errorf("bundle log lacks %q:\n%s", want, log)
		}
	}
	if strings.Index(log, "deny CI edits") > strings.Index(log, "roles") {
		t.Errorf("bundle log is not newest first:\n%s", log)
	}
	diff := run("bundle", "diff", dir+"@v1", dir+"@v2")
	if !strings.Contains(diff, "+ rule custom/no-ci-edits") || strings.Contains(diff, "role sre") {
		t.Errorf("bundle diff v1..v2:\n%s", diff)
	}
	if got := run("bundle", "diff", dir+"@v2", dir+"@v2"); got != "no policy changes\n" {
		t.Errorf("bundle diff of a ref with itself: %q", got)
	}
}

// TestReportPolicyVersions: gov report names each bundle revision decisions
// were made under and, for a bundle read from Git, what changed between them.
func TestReportPolicyVersions(t *testing.T) {
	dir := policyRepo(t, []repoStep{
		{message: "config only", tag: "v1", files: map[string]string{"gov.cue": "library: enabled: false\n"}},
		{message: "deny CI edits", tag: "v2", files: map[string]string{"policies/ci.rego": workflowRego}},
	})
	audit := t.TempDir()
	patchFile := filepath.Join("..", "..", "testdata", "patches", "workflow-change.diff")
	for i, ref := range []string{"v1", "v2"} {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // records are timed to the second
		}
		var out, errb bytes.Buffer
		runWith([]string{"eval", "--bundle", dir + "@" + ref, "--patch", patchFile, "--env", "staging", "--audit-dir", audit}, nil, &out, &errb)
		if errb.Len() > 0 {
			t.Fatalf("eval at %s: %s", ref, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := runWith([]string{"report", "--framework", "soc2", "--bundle", dir, "--audit-dir", audit}, nil, &out, &errb); code != 0 {
		t.Fatalf("report exit %d: %s", code, errb.String())
	}
	var r struct {
		Revisions []struct {
			Revision  string   `json:"revision"`
			Decisions int      `json:"decisions"`
			Changes   []string `json:"changes"`
		} `json:"bundle_revisions"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Revisions) != 2 || r.Revisions[0].Decisions != 1 || r.Revisions[1].Decisions != 1 {
		t.Fatalf("revisions = %+v", r.Revisions)
	}
	got := strings.Join(r.Revisions[1].Changes, "\n")
	if !strings.Contains(got, "rule custom/no-ci-edits added") {
		t.Errorf("changes from v1 to v2 = %q, want the rule added", got)
	}
}
