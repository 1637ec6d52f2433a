package bundles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// openRepo finds the Git repository holding dir. It returns a nil repository
// (and no error) when dir is not inside one, and dir's slash-separated path
// relative to the work tree root ("" for the root itself).
func openRepo(dir string) (*git.Repository, string, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("open git repository: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		// A bare repository has no work tree to hold dir.
		return nil, "", nil
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, "", fmt.Errorf("git work tree: %w", err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, "", fmt.Errorf("bundle dir: %w", err)
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, "", fmt.Errorf("bundle dir %s is outside the work tree %s", dir, root)
	}
	if rel == "." {
		rel = ""
	}
	return repo, filepath.ToSlash(rel), nil
}

// repoName names a repository in messages: the work tree root.
func repoName(dir, sub string) string {
	if sub == "" {
		return dir
	}
	return strings.TrimSuffix(filepath.ToSlash(dir), "/"+sub)
}

// resolveCommit resolves a branch, tag (lightweight or annotated), or short or
// full commit SHA to a commit.
func resolveCommit(repo *git.Repository, name, ref string) (*object.Commit, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return nil, fmt.Errorf("unknown ref %q in repository %s: %w", ref, name, err)
	}
	c, err := repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("unknown ref %q in repository %s: %w", ref, name, err)
	}
	return c, nil
}

// subTree returns the tree of sub at commit c; found is false when the
// commit does not have it.
func subTree(c *object.Commit, sub string) (*object.Tree, bool, error) {
	t, err := c.Tree()
	if err != nil {
		return nil, false, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	if sub == "" {
		return t, true, nil
	}
	st, err := t.Tree(sub)
	if errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("commit %s: %s: %w", c.Hash, sub, err)
	}
	return st, true, nil
}

// loadCommit loads the bundle in sub at ref from the object store.
func (v *validator) loadCommit(ctx context.Context, repo *git.Repository, name, sub, source, ref string) (*Bundle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := resolveCommit(repo, name, ref)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	t, ok, err := subTree(c, sub)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	if !ok {
		return nil, fmt.Errorf("bundle %s: directory %s does not exist at %s (%s)", source, sub, ref, c.Hash)
	}
	v.added = blameDates(c, sub)
	b, err := v.load(newTreeFS(t, c.Committer.When), source, ref, c.Hash.String())
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	return b, nil
}

// differsFromCommit reports whether the bundle files read from disk differ
// from those of sub at commit h: a changed, added or deleted bundle file.
func differsFromCommit(repo *git.Repository, h plumbing.Hash, sub string, disk map[string][]byte) (bool, error) {
	c, err := repo.CommitObject(h)
	if err != nil {
		return false, fmt.Errorf("HEAD commit %s: %w", h, err)
	}
	t, ok, err := subTree(c, sub)
	if err != nil {
		return false, err
	}
	if !ok {
		return len(disk) > 0, nil
	}
	committed, err := bundleFiles(newTreeFS(t, c.Committer.When))
	if err != nil {
		return false, fmt.Errorf("HEAD %s: %w", path.Join(sub), err)
	}
	if len(committed) != len(disk) {
		return true, nil
	}
	for p, data := range disk {
		if old, ok := committed[p]; !ok || !bytes.Equal(old, data) {
			return true, nil
		}
	}
	return false, nil
}
