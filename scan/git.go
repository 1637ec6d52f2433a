package scan

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ScanGit scans the history of the repository holding repoDir: the lines
// each commit adds relative to its first parent (all files of a root
// commit). rangeSpec is "A..B" (commits reachable from B but not from A; B
// defaults to HEAD), a single revision (its whole history), or "" (the
// history of every ref). Commits are scanned oldest first, one at a time; a
// secret found again later at the same path is reported once, at the commit
// that introduced it. progress, if set, is called after each commit.
func (s *Scanner) ScanGit(ctx context.Context, repoDir, rangeSpec string, progress func(done, total int)) ([]Finding, error) {
	fs, _, err := s.ScanGitStats(ctx, repoDir, rangeSpec, progress)
	return fs, err
}

// ScanGitStats is ScanGit that also reports what was scanned.
func (s *Scanner) ScanGitStats(ctx context.Context, repoDir, rangeSpec string, progress func(done, total int)) ([]Finding, Stats, error) {
	if fs, st, err := s.scanGitLog(ctx, repoDir, rangeSpec, progress); !errors.Is(err, errNoGitBinary) {
		return fs, st, err
	}
	var st Stats
	repo, err := git.PlainOpenWithOptions(repoDir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, st, fmt.Errorf("scan git %s: %w", repoDir, err)
	}
	commits, err := commitList(repo, rangeSpec)
	if err != nil {
		return nil, st, err
	}
	hs := &historyScan{s: s, repo: repo, seed: maphash.MakeSeed(), seenPair: map[uint64]struct{}{}, seenFP: map[string]struct{}{}}
	for i, h := range commits {
		if err := ctx.Err(); err != nil {
			return nil, st, err
		}
		if err := hs.commit(ctx, h, &st); err != nil {
			return nil, st, err
		}
		st.Commits++
		if progress != nil {
			progress(i+1, len(commits))
		}
	}
	return hs.out, st, nil
}

// historyScan holds the state of one ScanGit call.
type historyScan struct {
	s        *Scanner
	repo     *git.Repository
	seed     maphash.Seed
	seenPair map[uint64]struct{} // (old blob, new blob) pairs already scanned
	seenFP   map[string]struct{} // fingerprints already reported
	out      []Finding
}

func (hs *historyScan) commit(ctx context.Context, h plumbing.Hash, st *Stats) error {
	c, err := hs.repo.CommitObject(h)
	if err != nil {
		return fmt.Errorf("commit %s: %w", h, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return fmt.Errorf("commit %s: tree: %w", h, err)
	}
	var parent *object.Tree
	if c.NumParents() > 0 {
		p, err := c.Parent(0)
		if err != nil {
			return fmt.Errorf("commit %s: parent: %w", h, err)
		}
		if parent, err = p.Tree(); err != nil {
			return fmt.Errorf("commit %s: parent tree: %w", h, err)
		}
	}
	changes, err := object.DiffTreeWithOptions(ctx, parent, tree, &object.DiffTreeOptions{DetectRenames: true, OnlyExactRenames: true})
	if err != nil {
		return fmt.Errorf("commit %s: diff: %w", h, err)
	}
	for _, ch := range changes {
		if err := hs.change(ch, h, st); err != nil {
			return fmt.Errorf("commit %s: %s: %w", h, ch.To.Name, err)
		}
	}
	return nil
}

func (hs *historyScan) change(ch *object.Change, commit plumbing.Hash, st *Stats) error {
	to := ch.To.TreeEntry
	if to.Hash.IsZero() || !to.Mode.IsFile() || to.Mode == filemode.Symlink {
		return nil
	}
	path := ch.To.Name
	if hs.s.Excluded(path) {
		return nil
	}
	hs.report(fileFindings(path), commit)
	from := ch.From.TreeEntry.Hash
	key := maphash.Bytes(hs.seed, append(from[:], to.Hash[:]...))
	if _, ok := hs.seenPair[key]; ok {
		return nil
	}
	hs.seenPair[key] = struct{}{}
	newData, large, err := hs.blob(to.Hash)
	if err != nil {
		return err
	}
	if large {
		st.SkippedLarge++
		return nil
	}
	if isBinary(newData) {
		st.SkippedBinary++
		return nil
	}
	var found []Finding
	if from.IsZero() {
		found = hs.s.scanFragment(path, newData, nil)
		st.Bytes += int64(len(newData))
	} else {
		oldData, oldLarge, err := hs.blob(from)
		if err != nil {
			return err
		}
		if oldLarge {
			oldData = nil
		}
		frag, lineMap := addedLines(hs.seed, oldData, newData)
		found = hs.s.scanFragment(path, frag, lineMap)
		st.Bytes += int64(len(frag))
	}
	st.Files++
	sortFindings(found)
	hs.report(found, commit)
	return nil
}

// report keeps findings not reported before (same rule, path and value).
func (hs *historyScan) report(found []Finding, commit plumbing.Hash) {
	for _, f := range found {
		if _, ok := hs.seenFP[f.Fingerprint]; ok {
			continue
		}
		hs.seenFP[f.Fingerprint] = struct{}{}
		f.Commit = commit.String()
		hs.out = append(hs.out, f)
	}
}

// blob reads a blob unless it is over MaxFileSize.
func (hs *historyScan) blob(h plumbing.Hash) ([]byte, bool, error) {
	b, err := hs.repo.BlobObject(h)
	if err != nil {
		return nil, false, fmt.Errorf("blob %s: %w", h, err)
	}
	if b.Size > MaxFileSize {
		return nil, true, nil
	}
	r, err := b.Reader()
	if err != nil {
		return nil, false, fmt.Errorf("blob %s: %w", h, err)
	}
	defer func() { _ = r.Close() }()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, false, fmt.Errorf("blob %s: %w", h, err)
	}
	return data, false, nil
}

// commitList resolves rangeSpec to the commits to scan, oldest first.
func commitList(repo *git.Repository, rangeSpec string) ([]plumbing.Hash, error) {
	opts := &git.LogOptions{Order: git.LogOrderCommitterTime}
	exclude := map[plumbing.Hash]struct{}{}
	switch from, to, isRange := strings.Cut(rangeSpec, ".."); {
	case rangeSpec == "":
		opts.All = true
	case isRange:
		if from != "" {
			a, err := resolve(repo, from)
			if err != nil {
				return nil, err
			}
			if err := ancestors(repo, a, exclude); err != nil {
				return nil, err
			}
		}
		if to == "" {
			to = "HEAD"
		}
		b, err := resolve(repo, to)
		if err != nil {
			return nil, err
		}
		opts.From = b
	default:
		b, err := resolve(repo, rangeSpec)
		if err != nil {
			return nil, err
		}
		opts.From = b
	}
	iter, err := repo.Log(opts)
	if err != nil {
		return nil, fmt.Errorf("git log %q: %w", rangeSpec, err)
	}
	var out []plumbing.Hash
	err = iter.ForEach(func(c *object.Commit) error {
		if _, ok := exclude[c.Hash]; !ok {
			out = append(out, c.Hash)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("git log %q: %w", rangeSpec, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func resolve(repo *git.Repository, rev string) (plumbing.Hash, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if errors.Is(err, io.EOF) {
		// go-git says only "EOF" when a rev~N or rev^N walks past the root.
		return plumbing.ZeroHash, fmt.Errorf("git revision %q: no such commit", rev)
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git revision %q: %w", rev, err)
	}
	return *h, nil
}

// ancestors adds h and every commit reachable from it to set.
func ancestors(repo *git.Repository, h plumbing.Hash, set map[plumbing.Hash]struct{}) error {
	iter, err := repo.Log(&git.LogOptions{From: h})
	if err != nil {
		return fmt.Errorf("git log %s: %w", h, err)
	}
	return iter.ForEach(func(c *object.Commit) error {
		set[c.Hash] = struct{}{}
		return nil
	})
}
