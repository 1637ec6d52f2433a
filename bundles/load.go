package bundles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
)

// LoadOptions tunes where Load looks for things.
type LoadOptions struct {
	// CacheDir is where URL@REF clones live; "" means os.UserCacheDir()/gov/repos.
	CacheDir string
	// WorkDir is the base of relative paths and where ./.gov is looked for;
	// "" means the current directory.
	WorkDir string
	// Offline loads URL@REF bundles from the clone cache only, without
	// cloning or fetching: REF resolves against the branches and tags as
	// they were at the last fetch. Nothing cached is an error.
	Offline bool
}

// Load resolves a bundle reference and loads the bundle: "" (WorkDir/.gov if
// it exists, else the embedded bundle), "embedded", DIR, DIR@REF or URL@REF.
func Load(ctx context.Context, ref string, opts LoadOptions) (*Bundle, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	return v.loadRef(ctx, ref, opts)
}

func (v *validator) loadRef(ctx context.Context, ref string, opts LoadOptions) (*Bundle, error) {
	work := opts.WorkDir
	if work == "" {
		var err error
		if work, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
	}
	switch ref {
	case EmbeddedSource:
		return v.loadEmbedded()
	case "":
		if st, err := os.Stat(filepath.Join(work, ".gov")); err == nil && st.IsDir() {
			return v.loadDir(ctx, ".gov", bundleRef{loc: ".gov"}, work)
		}
		return v.loadEmbedded()
	}
	r := parseBundleRef(ref)
	if !r.remote && r.hasRef {
		// A directory whose name holds "@" is a directory, not DIR@REF.
		if st, err := os.Stat(absPath(work, ref)); err == nil && st.IsDir() {
			r = bundleRef{loc: ref}
		}
	}
	if r.hasRef && r.ref == "" {
		return nil, fmt.Errorf("bundle %s: empty ref after @", ref)
	}
	if r.remote {
		return v.loadURL(ctx, ref, r, opts)
	}
	return v.loadDir(ctx, ref, r, work)
}

// loadDir loads a directory, at a Git ref when r has one.
func (v *validator) loadDir(ctx context.Context, source string, r bundleRef, work string) (*Bundle, error) {
	dir := absPath(work, r.loc)
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &fs.PathError{Op: "open bundle", Path: r.loc, Err: fs.ErrNotExist}
	}
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open bundle %s: not a directory", r.loc)
	}
	repo, sub, err := openRepo(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	if r.hasRef {
		if repo == nil {
			return nil, fmt.Errorf("bundle %s: %s is not inside a Git repository, so it has no ref %q", source, r.loc, r.ref)
		}
		return v.loadCommit(ctx, repo, repoName(dir, sub), sub, source, r.ref)
	}
	fsys := os.DirFS(dir)
	if repo != nil {
		if head, err := repo.Head(); err == nil {
			if c, err := repo.CommitObject(head.Hash()); err == nil {
				v.added = blameDates(c, sub)
			}
		}
	}
	rev, err := dirRevision(repo, sub, fsys)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	b, err := v.load(fsys, source, "", rev)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	return b, nil
}

// dirRevision is HEAD's SHA (+dirty when the bundle files differ from HEAD)
// inside Git, else the sha256 digest of the bundle files.
func dirRevision(repo *git.Repository, sub string, fsys fs.FS) (string, error) {
	files, err := bundleFiles(fsys)
	if err != nil {
		return "", err
	}
	if repo != nil {
		head, err := repo.Head()
		if err == nil {
			dirty, err := differsFromCommit(repo, head.Hash(), sub, files)
			if err != nil {
				return "", err
			}
			if dirty {
				return head.Hash().String() + "+dirty", nil
			}
			return head.Hash().String(), nil
		}
		// An unborn HEAD (no commit yet) has no SHA: fall back to a digest.
	}
	return digest(files), nil
}

// digest is "sha256:<hex>" over the sorted (path, content) pairs.
func digest(files map[string][]byte) string {
	h := sha256.New()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		_, _ = fmt.Fprintf(h, "%d:%s\x00%d:", len(p), p, len(files[p]))
		h.Write(files[p])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// bundleFiles reads every file of fsys that the loader reads: config files,
// policies/**.rego, cases/** and frameworks/**.
func bundleFiles(fsys fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, spec := range configSpecs() {
		for _, ext := range configExts() {
			src, err := fs.ReadFile(fsys, spec.base+ext)
			if err == nil {
				files[spec.base+ext] = src
			} else if !errors.Is(err, fs.ErrNotExist) && !strings.Contains(err.Error(), "is a directory") {
				return nil, fmt.Errorf("%s%s: %w", spec.base, ext, err)
			}
		}
	}
	err := walkFiles(fsys, "policies", func(p string) error {
		if filepath.Ext(p) != ".rego" {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		files[p] = src
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, dir := range []string{"cases", "frameworks"} {
		if err := readTree(fsys, dir, files); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func absPath(work, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(work, p)
}
