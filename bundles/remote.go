package bundles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// fullSHARE matches a full commit SHA, which names an immutable commit.
var fullSHARE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{40}$`) })

// loadURL loads the bundle at the root (or r.subdir) of a remote
// repository at r.ref. The
// repository is cloned (bare, mirroring branches and tags) into
// cacheDir/<sha256 of the URL> once and fetched on later loads, except when
// the ref is a full SHA already present.
func (v *validator) loadURL(ctx context.Context, source string, r bundleRef, opts LoadOptions) (*Bundle, error) {
	ref := r.ref
	if !r.hasRef {
		ref = "HEAD"
	}
	sub, err := cleanSubdir(r.subdir)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	repo, err := cachedRepo(ctx, r.loc, ref, opts.CacheDir, opts.Offline)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	return v.loadCommit(ctx, repo, r.loc, sub, source, ref)
}

// cleanSubdir is a repository-relative directory ("" for the root); it
// may not leave the repository.
func cleanSubdir(sub string) (string, error) {
	if sub == "" {
		return "", nil
	}
	clean := path.Clean(sub)
	if path.IsAbs(sub) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("subdirectory %q is outside the repository", sub)
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// cachedRepo opens or clones the cached copy of url and fetches when ref may
// have moved; offline, it only opens the cached copy.
func cachedRepo(ctx context.Context, url, ref, cacheDir string, offline bool) (*git.Repository, error) {
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cache dir: %w", err)
		}
		cacheDir = filepath.Join(base, "gov", "repos")
	}
	sum := sha256.Sum256([]byte(url))
	dir := filepath.Join(cacheDir, hex.EncodeToString(sum[:]))
	repo, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if offline {
			return nil, fmt.Errorf("nothing cached for %s (in %s)", url, cacheDir)
		}
		return cloneInto(ctx, url, cacheDir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open cached clone %s: %w", dir, err)
	}
	if offline {
		return repo, nil
	}
	if fullSHARE().MatchString(ref) {
		if _, err := repo.CommitObject(plumbing.NewHash(ref)); err == nil {
			return repo, nil
		}
	}
	err = repo.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", Force: true, Tags: git.AllTags})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	return repo, nil
}

// cloneInto clones url as a bare mirror into a temporary directory beside
// dir and renames it into place, so a failed clone leaves nothing behind.
func cloneInto(ctx context.Context, url, cacheDir, dir string) (*git.Repository, error) {
	if err := os.MkdirAll(cacheDir, 0o750); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	_, err = git.PlainCloneContext(ctx, tmp, true, &git.CloneOptions{URL: url, Mirror: true, Tags: git.AllTags})
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", url, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have cloned it meanwhile; use theirs.
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, fmt.Errorf("cache clone of %s: %w", url, err)
		}
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return nil, fmt.Errorf("open cached clone %s: %w", dir, err)
	}
	return repo, nil
}
