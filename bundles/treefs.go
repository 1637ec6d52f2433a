package bundles

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// treeFS is a read-only fs.FS over a go-git tree: a bundle at a commit,
// read from the object store without touching any work tree.
type treeFS struct {
	tree *object.Tree
	mod  time.Time // the commit time, reported as every file's ModTime
}

func newTreeFS(tree *object.Tree, mod time.Time) *treeFS { return &treeFS{tree: tree, mod: mod} }

// Open implements fs.FS.
func (t *treeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &treeDir{fsys: t, name: ".", tree: t.tree}, nil
	}
	entry, err := t.tree.FindEntry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if entry.Mode == filemode.Dir {
		sub, err := t.tree.Tree(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &treeDir{fsys: t, name: name, tree: sub}, nil
	}
	if entry.Mode == filemode.Submodule {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := t.tree.TreeEntryFile(entry)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	r, err := f.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer func() { _ = r.Close() }()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	info := treeInfo{name: path.Base(name), size: int64(len(data)), mode: entry.Mode, mod: t.mod}
	return &treeFile{Reader: bytes.NewReader(data), info: info}, nil
}

// treeInfo is the fs.FileInfo and fs.DirEntry of a tree entry.
type treeInfo struct {
	name string
	size int64
	mode filemode.FileMode
	mod  time.Time
}

func (i treeInfo) Name() string       { return i.name }
func (i treeInfo) Size() int64        { return i.size }
func (i treeInfo) ModTime() time.Time { return i.mod }
func (i treeInfo) IsDir() bool        { return i.mode == filemode.Dir }
func (i treeInfo) Sys() any           { return nil }
func (i treeInfo) Type() fs.FileMode  { return i.Mode().Type() }
func (i treeInfo) Info() (fs.FileInfo, error) {
	return i, nil
}
func (i treeInfo) Mode() fs.FileMode {
	m, err := i.mode.ToOSFileMode()
	if err != nil {
		return 0o444
	}
	if m.IsDir() {
		return fs.ModeDir | 0o555
	}
	return m
}

type treeFile struct {
	*bytes.Reader
	info treeInfo
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Close() error               { return nil }

type treeDir struct {
	fsys *treeFS
	name string
	tree *object.Tree
	read int // entries already returned by ReadDir
}

func (d *treeDir) Stat() (fs.FileInfo, error) {
	return treeInfo{name: path.Base(d.name), mode: filemode.Dir, mod: d.fsys.mod}, nil
}
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *treeDir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile; git trees are already sorted by name.
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.tree.Entries[d.read:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	out := make([]fs.DirEntry, 0, len(rest))
	for _, e := range rest {
		size := int64(0)
		if e.Mode.IsFile() {
			size, _ = d.tree.Size(e.Name)
		}
		out = append(out, treeInfo{name: e.Name, size: size, mode: e.Mode, mod: d.fsys.mod})
	}
	d.read += len(rest)
	return out, nil
}
