package bundles

import (
	"testing"
	"testing/fstest"

	"github.com/gov-policy/gov/internal/gittest"
)

func TestTreeFS(t *testing.T) {
	r := gittest.New(t)
	sha := r.Commit("files", map[string]string{
		"gov.cue":              "enforcement: \"warn\"\n",
		"policies/a.rego":      "package gov.a\n",
		"policies/deep/b.rego": "package gov.deep.b\n",
		"cases/x/request.json": "{}",
	})
	c, err := resolveCommit(r.Git, r.Dir, sha)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	fsys := newTreeFS(tree, c.Committer.When)
	if err := fstest.TestFS(fsys, "gov.cue", "policies/a.rego", "policies/deep/b.rego", "cases/x/request.json"); err != nil {
		t.Fatal(err)
	}
}
