package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// NotesRef is where gov keeps evidence as git notes: one Sigstore bundle
// per line (JSON Lines) in the note of the commit it is about, so that
// `git notes --ref gov show <commit>` prints it.
const NotesRef = "refs/notes/gov"

// AddNote appends bundle (one line of JSON) to the gov note of commit rev in
// the repository at repoPath, committing a new notes tree on NotesRef whose
// parent is the previous notes commit. go-git has no notes API, so the
// blob, tree and commit are written by hand, as `git notes append` would.
// It returns the annotated commit's SHA.
func AddNote(repoPath, rev string, bundle []byte, when time.Time) (string, error) {
	if bytes.ContainsAny(bundle, "\n\r") || len(bundle) == 0 {
		return "", errors.New("git note: a bundle must be one non-empty line of JSON")
	}
	repo, target, err := openTarget(repoPath, rev)
	if err != nil {
		return "", err
	}
	name := target.String()
	var parents []plumbing.Hash
	var entries []object.TreeEntry
	var old []byte
	oldRef, err := repo.Reference(NotesRef, true)
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		oldRef = nil
	case err != nil:
		return "", fmt.Errorf("git note: %s: %w", NotesRef, err)
	default:
		tree, err := notesTree(repo, oldRef.Hash())
		if err != nil {
			return "", err
		}
		parents = []plumbing.Hash{oldRef.Hash()}
		if _, err := tree.File(name[:2] + "/" + name[2:]); err == nil {
			return "", fmt.Errorf("git note: %s uses a fan-out notes tree; append with `git notes --ref gov append`", NotesRef)
		}
		for _, e := range tree.Entries {
			if e.Name != name {
				entries = append(entries, e)
				continue
			}
			if old, err = readBlob(repo, e.Hash); err != nil {
				return "", err
			}
		}
	}
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		old = append(old, '\n')
	}
	blob, err := storeBlob(repo, append(append(old, bundle...), '\n'))
	if err != nil {
		return "", err
	}
	entries = append(entries, object.TreeEntry{Name: name, Mode: 0o100644, Hash: blob})
	sort.Slice(entries, func(i, j int) bool { return treeKey(entries[i]) < treeKey(entries[j]) })
	treeHash, err := storeObject(repo, &object.Tree{Entries: entries})
	if err != nil {
		return "", err
	}
	sig := object.Signature{Name: "gov", Email: "gov@localhost", When: when}
	commit, err := storeObject(repo, &object.Commit{
		Author: sig, Committer: sig, Message: "Notes added by 'gov audit sign'\n",
		TreeHash: treeHash, ParentHashes: parents,
	})
	if err != nil {
		return "", err
	}
	// CheckAndSet fails if another writer moved the notes ref meanwhile.
	if err := repo.Storer.CheckAndSetReference(plumbing.NewHashReference(NotesRef, commit), oldRef); err != nil {
		return "", fmt.Errorf("git note: update %s: %w", NotesRef, err)
	}
	return name, nil
}

// ReadNotes returns the bundles (one per line) in the gov note of commit
// rev; none when the commit has no note.
func ReadNotes(repoPath, rev string) ([][]byte, error) {
	repo, target, err := openTarget(repoPath, rev)
	if err != nil {
		return nil, err
	}
	ref, err := repo.Reference(NotesRef, true)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("git note: %s: %w", NotesRef, err)
	}
	tree, err := notesTree(repo, ref.Hash())
	if err != nil {
		return nil, err
	}
	name := target.String()
	f, err := tree.File(name)
	if errors.Is(err, object.ErrFileNotFound) {
		f, err = tree.File(name[:2] + "/" + name[2:])
	}
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("git note: %w", err)
	}
	data, err := readBlob(repo, f.Hash)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			out = append(out, line)
		}
	}
	return out, nil
}

func openTarget(repoPath, rev string) (*git.Repository, plumbing.Hash, error) {
	repo, err := git.PlainOpenWithOptions(repoPath, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("git note: %s: %w", repoPath, err)
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("git note: %s@%s: %w", repoPath, rev, err)
	}
	if _, err := repo.CommitObject(*h); err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("git note: %s@%s: not a commit: %w", repoPath, rev, err)
	}
	return repo, *h, nil
}

func notesTree(repo *git.Repository, commit plumbing.Hash) (*object.Tree, error) {
	c, err := repo.CommitObject(commit)
	if err != nil {
		return nil, fmt.Errorf("git note: %s: %w", NotesRef, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("git note: %s: %w", NotesRef, err)
	}
	return t, nil
}

// treeKey orders tree entries as git does: a directory sorts as if its
// name ended in "/".
func treeKey(e object.TreeEntry) string {
	if e.Mode == 0o40000 {
		return e.Name + "/"
	}
	return e.Name
}

func readBlob(repo *git.Repository, h plumbing.Hash) ([]byte, error) {
	b, err := repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("git note: %w", err)
	}
	r, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("git note: %w", err)
	}
	defer func() { _ = r.Close() }()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("git note: %w", err)
	}
	return data, nil
}

func storeBlob(repo *git.Repository, data []byte) (plumbing.Hash, error) {
	obj := repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err == nil {
		_, err = w.Write(data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git note: %w", err)
	}
	h, err := repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git note: %w", err)
	}
	return h, nil
}

// storeObject encodes a tree or commit into the repository.
func storeObject(repo *git.Repository, o interface {
	Encode(plumbing.EncodedObject) error
}) (plumbing.Hash, error) {
	obj := repo.Storer.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git note: %w", err)
	}
	h, err := repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git note: %w", err)
	}
	return h, nil
}
