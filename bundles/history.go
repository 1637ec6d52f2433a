package bundles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Change is one difference between two versions of a bundle.
type Change struct {
	// Kind is rule, role, workflow, exception, config or policy-file.
	Kind string `json:"kind"`
	// Name is the rule id, role or workflow name, exception (rule and
	// paths), top-level config key or file path.
	Name string `json:"name"`
	// Op is added, removed or changed.
	Op string `json:"op"`
	// Fields says, for a changed entry, what changed in it (a rule's
	// action, a role's members added and removed, a stage, ...).
	Fields []FieldChange `json:"fields,omitempty"`
	// Before and After are the entry in each version (absent when added,
	// removed, or a policy file).
	Before any `json:"before,omitempty"`
	After  any `json:"after,omitempty"`
}

// FieldChange is one field of an entry that changed: its value before and
// after, and for a list of strings (members, controls, permissions, paths)
// the items added and removed.
type FieldChange struct {
	Field   string   `json:"field"`
	Before  any      `json:"before,omitempty"`
	After   any      `json:"after,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Commit is one commit that changed a bundle.
type Commit struct {
	SHA     string    `json:"sha"`
	Author  string    `json:"author"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
	// Tags are the tags that point at the commit (annotated ones resolved).
	Tags    []string `json:"tags,omitempty"`
	Changes []Change `json:"changes"`
	// Invalid is the load error of the bundle at this commit, if any; its
	// changes are then those of the files alone.
	Invalid string `json:"invalid,omitempty"`
}

// Log lists the commits that changed the bundle in dir (a directory inside a
// Git work tree, optionally DIR@REF to start from REF instead of HEAD),
// newest first, each with its changes against its first parent. A limit of 0
// or less lists them all. Commits that touch the directory but no bundle
// file are left out.
func Log(ctx context.Context, dir string, limit int) ([]Commit, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	r := parseBundleRef(dir)
	if r.remote {
		return nil, fmt.Errorf("bundle log %s: needs a local directory, not a URL", dir)
	}
	work, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("bundle log: %w", err)
	}
	abs := absPath(work, r.loc)
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("bundle log: %w", err)
	}
	repo, sub, err := openRepo(abs)
	if err != nil {
		return nil, fmt.Errorf("bundle log %s: %w", dir, err)
	}
	if repo == nil {
		return nil, fmt.Errorf("bundle log %s: not inside a Git repository", dir)
	}
	start := "HEAD"
	if r.hasRef {
		start = r.ref
	}
	head, err := resolveCommit(repo, repoName(abs, sub), start)
	if err != nil {
		return nil, fmt.Errorf("bundle log %s: %w", dir, err)
	}
	iter, err := repo.Log(&git.LogOptions{From: head.Hash, Order: git.LogOrderCommitterTime})
	if err != nil {
		return nil, fmt.Errorf("bundle log %s: %w", dir, err)
	}
	defer iter.Close()
	tags, err := commitTags(repo)
	if err != nil {
		return nil, fmt.Errorf("bundle log %s: %w", dir, err)
	}
	var out []Commit
	for limit <= 0 || len(out) < limit {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := iter.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bundle log %s: %w", dir, err)
		}
		entry, ok, err := v.commitChanges(c, sub)
		if err != nil {
			return nil, fmt.Errorf("bundle log %s: %w", dir, err)
		}
		if ok {
			entry.Tags = tags[c.Hash]
			out = append(out, entry)
		}
	}
	return out, nil
}

// commitChanges compares the bundle at c with the bundle at c's first
// parent. ok is false when the commit changed no bundle file.
func (v *validator) commitChanges(c *object.Commit, sub string) (Commit, bool, error) {
	cur, curOK, err := subTree(c, sub)
	if err != nil {
		return Commit{}, false, err
	}
	var prev *object.Tree
	prevOK := false
	var prevCommit *object.Commit
	if c.NumParents() > 0 {
		if prevCommit, err = c.Parent(0); err != nil {
			return Commit{}, false, fmt.Errorf("commit %s: parent: %w", c.Hash, err)
		}
		if prev, prevOK, err = subTree(prevCommit, sub); err != nil {
			return Commit{}, false, err
		}
	}
	if curOK == prevOK && (!curOK || cur.Hash == prev.Hash) {
		return Commit{}, false, nil
	}
	a, aErr := v.loadTree(prev, prevOK, prevCommit)
	b, bErr := v.loadTree(cur, curOK, c)
	entry := Commit{SHA: c.Hash.String(), Author: c.Author.Name, Message: firstLine(c.Message), Time: c.Author.When}
	switch {
	case bErr != nil:
		entry.Invalid = bErr.Error()
		entry.Changes, err = v.fileChanges(prev, prevOK, prevCommit, cur, curOK, c)
	case aErr != nil:
		entry.Changes, err = v.fileChanges(prev, prevOK, prevCommit, cur, curOK, c)
	default:
		entry.Changes = compareBundles(a, b)
	}
	if err != nil {
		return Commit{}, false, err
	}
	return entry, len(entry.Changes) > 0 || entry.Invalid != "", nil
}

// loadTree loads a bundle from a tree; a missing tree is an empty bundle
// (the defaults).
func (v *validator) loadTree(t *object.Tree, ok bool, c *object.Commit) (*Bundle, error) {
	if !ok {
		return v.load(newTreeFS(&object.Tree{}, time.Time{}), "", "", "")
	}
	return v.load(newTreeFS(t, c.Committer.When), c.Hash.String(), "", c.Hash.String())
}

// fileChanges lists the bundle files that differ, for commits whose bundle
// does not load.
func (v *validator) fileChanges(prev *object.Tree, prevOK bool, pc *object.Commit, cur *object.Tree, curOK bool, c *object.Commit) ([]Change, error) {
	read := func(t *object.Tree, ok bool, c *object.Commit) (map[string][]byte, error) {
		if !ok {
			return map[string][]byte{}, nil
		}
		files, err := bundleFiles(newTreeFS(t, c.Committer.When))
		return policyOnly(files), err
	}
	a, err := read(prev, prevOK, pc)
	if err != nil {
		return nil, err
	}
	b, err := read(cur, curOK, c)
	if err != nil {
		return nil, err
	}
	return diffFiles(a, b), nil
}

// Diff compares the bundles at two references (e.g. DIR@A and DIR@B) and
// lists what changed from a to b.
func Diff(ctx context.Context, a, b string, opts LoadOptions) ([]Change, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	ba, err := v.loadRef(ctx, a, opts)
	if err != nil {
		return nil, err
	}
	bb, err := v.loadRef(ctx, b, opts)
	if err != nil {
		return nil, err
	}
	return compareBundles(ba, bb), nil
}

// commitTags maps each tagged commit to its tag names, sorted; an
// annotated tag is resolved to the commit it tags.
func commitTags(repo *git.Repository) (map[plumbing.Hash][]string, error) {
	iter, err := repo.Tags()
	if err != nil {
		return nil, err
	}
	out := map[plumbing.Hash][]string{}
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		hash := ref.Hash()
		if tag, err := repo.TagObject(hash); err == nil {
			c, err := tag.Commit()
			if err != nil {
				return nil // a tag of something other than a commit
			}
			hash = c.Hash
		}
		out[hash] = append(out[hash], ref.Name().Short())
		return nil
	})
	for h := range out {
		slices.Sort(out[h])
	}
	return out, err
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
