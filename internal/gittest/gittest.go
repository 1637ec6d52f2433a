// Package gittest builds Git repositories with go-git for tests: commits of
// file maps, tags and branches, with fixed author and times so that runs
// are reproducible. No git binary is needed.
package gittest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Repo is a non-bare repository in a temporary directory.
type Repo struct {
	T   testing.TB
	Dir string
	Git *git.Repository
	n   int // commits and tags made, for increasing times
}

// New initialises an empty repository in t.TempDir().
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return &Repo{T: t, Dir: dir, Git: repo}
}

// WriteFiles writes path -> content under dir (slash paths, directories
// made as needed); a path written "-path" removes that file instead.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		if len(p) > 0 && p[0] == '-' {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p[1:]))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Signature is the author and committer of the next commit or tag:
// "Ada <ada@example.com>", one minute later each time.
func (r *Repo) Signature() *object.Signature {
	return &object.Signature{Name: "Ada", Email: "ada@example.com", When: time.Date(2026, 1, 1, 0, r.n, 0, 0, time.UTC)}
}

// Commit writes files (see WriteFiles), stages every change of the work
// tree and commits it with msg; it returns the commit's SHA.
func (r *Repo) Commit(msg string, files map[string]string) string {
	r.T.Helper()
	WriteFiles(r.T, r.Dir, files)
	wt, err := r.Git.Worktree()
	if err != nil {
		r.T.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.T.Fatal(err)
	}
	r.n++
	sig := r.Signature()
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		r.T.Fatal(err)
	}
	return h.String()
}

// Tag creates a lightweight tag, or an annotated one, on sha.
func (r *Repo) Tag(name, sha string, annotated bool) {
	r.T.Helper()
	var opts *git.CreateTagOptions
	if annotated {
		r.n++
		opts = &git.CreateTagOptions{Tagger: r.Signature(), Message: "release " + name}
	}
	if _, err := r.Git.CreateTag(name, plumbing.NewHash(sha), opts); err != nil {
		r.T.Fatal(err)
	}
}

// Branch points branch name at sha.
func (r *Repo) Branch(name, sha string) {
	r.T.Helper()
	ref := plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), plumbing.NewHash(sha))
	if err := r.Git.Storer.SetReference(ref); err != nil {
		r.T.Fatal(err)
	}
}
