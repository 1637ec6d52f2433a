package bundles

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// writeFiles writes path -> content under dir; an empty content with a
// "-" prefix in the path removes the file instead.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if len(p) > 0 && p[0] == '-' {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p[1:]))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// testRepo is a Git repository built with go-git in a temp dir.
type testRepo struct {
	t    testing.TB
	dir  string
	repo *git.Repository
	n    int
}

func newTestRepo(t testing.TB) *testRepo {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, repo: repo}
}

func (r *testRepo) sig() *object.Signature {
	return &object.Signature{Name: "Ada", Email: "ada@example.com", When: time.Date(2026, 1, 1, 0, r.n, 0, 0, time.UTC)}
}

// commit writes files, stages everything and commits; it returns the SHA.
func (r *testRepo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	writeFiles(r.t, r.dir, files)
	wt, err := r.repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	r.n++
	h, err := wt.Commit(msg, &git.CommitOptions{Author: r.sig(), Committer: r.sig()})
	if err != nil {
		r.t.Fatal(err)
	}
	return h.String()
}

func (r *testRepo) tag(name, sha string, annotated bool) {
	r.t.Helper()
	var opts *git.CreateTagOptions
	if annotated {
		opts = &git.CreateTagOptions{Tagger: r.sig(), Message: "release " + name}
	}
	if _, err := r.repo.CreateTag(name, plumbing.NewHash(sha), opts); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) branch(name, sha string) {
	r.t.Helper()
	ref := plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), plumbing.NewHash(sha))
	if err := r.repo.Storer.SetReference(ref); err != nil {
		r.t.Fatal(err)
	}
}

// mustLoad loads ref with WorkDir set to dir.
func mustLoad(t testing.TB, ref, workDir string) *Bundle {
	t.Helper()
	b, err := Load(t.Context(), ref, LoadOptions{WorkDir: workDir, CacheDir: filepath.Join(workDir, ".cache")})
	if err != nil {
		t.Fatalf("Load(%q): %v", ref, err)
	}
	return b
}
