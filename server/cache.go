package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/gov-policy/gov/bundles"
)

// loadCached loads the revision of a URL@REF bundle that the clone cache
// holds, without any network access. "Cached" means: the bare mirror clone
// bundles.Load keeps at <cacheDir>/<sha256 hex of URL> (cacheDir defaulting
// to os.UserCacheDir()/gov/repos, as in bundles), with REF resolved against
// the branches and tags as they were at its last successful fetch (a branch
// first, then a tag, then any revision go-git resolves). The bundle keeps
// its Source and Ref; its Revision is the cached commit's SHA.
func loadCached(ctx context.Context, ref, cacheDir string) (*bundles.Bundle, error) {
	url, gitRef, ok := splitURLRef(ref)
	if !ok {
		return nil, fmt.Errorf("bundle %q is not URL@REF, so nothing is cached", ref)
	}
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
	if err != nil {
		return nil, fmt.Errorf("cached clone %s: %w", dir, err)
	}
	commit, err := resolveCached(repo, gitRef)
	if err != nil {
		return nil, fmt.Errorf("cached clone %s: ref %s: %w", dir, gitRef, err)
	}
	tmp, err := os.MkdirTemp("", "gov-cached-bundle-")
	if err != nil {
		return nil, fmt.Errorf("cached bundle: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := exportTree(commit, tmp); err != nil {
		return nil, fmt.Errorf("cached clone %s at %s: %w", dir, commit.Hash, err)
	}
	b, err := bundles.Load(ctx, tmp, bundles.LoadOptions{WorkDir: tmp})
	if err != nil {
		return nil, fmt.Errorf("cached revision %s: %w", commit.Hash, err)
	}
	b.Source, b.Ref, b.Revision = ref, gitRef, commit.Hash.String()
	return b, nil
}

// splitURLRef splits URL@REF at its last "@" (an "@" in the URL's authority
// is a user, and a ref never holds ":"); REF defaults to HEAD.
func splitURLRef(s string) (url, ref string, ok bool) {
	remote := false
	for _, scheme := range []string{"https://", "http://", "file://", "ssh://", "git://"} {
		remote = remote || strings.HasPrefix(s, scheme)
	}
	if !remote {
		return "", "", false
	}
	authEnd := strings.Index(s, "://") + 3
	if slash := strings.IndexByte(s[authEnd:], '/'); slash >= 0 {
		authEnd += slash
	} else {
		authEnd = len(s)
	}
	i := strings.LastIndex(s, "@")
	if i < authEnd || strings.Contains(s[i+1:], ":") {
		return s, "HEAD", true
	}
	return s[:i], s[i+1:], true
}

func resolveCached(repo *git.Repository, ref string) (*object.Commit, error) {
	for _, name := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(ref), plumbing.NewTagReferenceName(ref)} {
		if r, err := repo.Reference(name, true); err == nil {
			return commitOf(repo, r.Hash())
		}
	}
	h, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return nil, err
	}
	return commitOf(repo, *h)
}

// commitOf peels an annotated tag to its commit.
func commitOf(repo *git.Repository, h plumbing.Hash) (*object.Commit, error) {
	if tag, err := repo.TagObject(h); err == nil {
		return tag.Commit()
	}
	return repo.CommitObject(h)
}

// exportTree writes the commit's files under dir.
func exportTree(c *object.Commit, dir string) error {
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	return tree.Files().ForEach(func(f *object.File) error {
		if !f.Mode.IsFile() {
			return nil
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(dst, dir+string(filepath.Separator)) {
			return fmt.Errorf("%s: path outside the tree", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		r, err := f.Reader()
		if err != nil {
			return err
		}
		defer func() { _ = r.Close() }()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, r)
		return errors.Join(err, out.Close())
	})
}
