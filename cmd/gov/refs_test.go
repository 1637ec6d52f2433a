package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// policyRepo builds a Git policy repository with go-git: each step writes
// files, commits and tags. It returns the repository directory.
func policyRepo(t *testing.T, steps []repoStep) string {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range steps {
		for name, content := range s.files {
			path := filepath.Join(dir, name)
			if content == "" {
				if _, err := wt.Remove(name); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add(name); err != nil {
				t.Fatal(err)
			}
		}
		sig := &object.Signature{Name: "Policy Author", Email: "author@example.com", When: when.Add(time.Duration(i) * time.Hour)}
		h, err := wt.Commit(s.message, &git.CommitOptions{Author: sig})
		if err != nil {
			t.Fatal(err)
		}
		if s.tag != "" {
			if _, err := repo.CreateTag(s.tag, h, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
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
			"gov.cue": "enforcement: \"strict\"\n",
		}},
		{message: "deny CI edits", tag: "v2", files: map[string]string{
			"policies/ci.rego": workflowRego,
		}},
		{message: "warn only", tag: "v3", files: map[string]string{
			"gov.cue": "enforcement: \"warn\"\n",
		}},
	})
	patchFile := filepath.Join("..", "..", "testdata", "patches", "workflow-change.diff")
	tests := []struct {
		ref      string
		wantCode int
		want     string
	}{
		{"v1", 0, "reason: no policy violations"}, // a custom bundle without the rule
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
