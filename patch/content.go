package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// errNotParsed is returned by LoadContent on a Patch that Parse did not build.
var errNotParsed = errors.New("patch has no hunks to apply: build it with patch.Parse")

// LoadContent applies the patch in memory to the files in repoDir (the
// pre-patch work tree; it is only read, never written, and no path may escape
// it) and sets NewContent of every added, modified, renamed or copied text
// file. Files ending in .yaml, .yml, .json or .toml are decoded into Parsed; a
// file that does not decode keeps Parsed nil and gets ParseError instead. A
// patch that does not apply is an error naming the file and line.
func (p *Patch) LoadContent(repoDir string) error {
	if p.source == "" {
		return errNotParsed
	}
	src, err := parseFiles(p.source)
	if err != nil || len(src) != len(p.Files) {
		return errNotParsed
	}
	root, err := os.OpenRoot(repoDir)
	if err != nil {
		return fmt.Errorf("repository %s: %w", repoDir, err)
	}
	defer func() { _ = root.Close() }()
	for i := range p.Files {
		f, gf := &p.Files[i], src[i]
		if f.Status == StatusDeleted || f.Binary {
			continue
		}
		content, err := applyFile(root, f, gf)
		if err != nil {
			return err
		}
		s := string(content)
		f.NewContent = &s
		f.Parsed, f.ParseError = nil, ""
		if v, err := decode(f.Path, content); err != nil {
			f.ParseError = err.Error()
		} else {
			f.Parsed = v
		}
	}
	return nil
}

// applyFile returns the post-patch content of one text file.
func applyFile(root *os.Root, f *File, gf *gitdiff.File) ([]byte, error) {
	var old []byte
	if f.Status == StatusAdded {
		if _, err := root.Stat(f.Path); err == nil {
			return nil, fmt.Errorf("%s: patch does not apply: file already exists", f.Path)
		}
	} else {
		oldPath := f.Path
		if f.OldPath != "" {
			oldPath = f.OldPath
		}
		b, err := root.ReadFile(oldPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: patch does not apply: file not found in repository", oldPath)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: patch does not apply: %w", oldPath, err)
		}
		old = b
	}
	var out bytes.Buffer
	out.Grow(len(old) + 64*len(f.Added))
	if err := gitdiff.Apply(&out, bytes.NewReader(old), gf); err != nil {
		return nil, applyErr(f.Path, err)
	}
	return out.Bytes(), nil
}

// applyErr names the file and, when go-gitdiff knows them, the line of the
// original file and the hunk where applying failed.
func applyErr(path string, err error) error {
	var ae *gitdiff.ApplyError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s: patch does not apply: %w", path, err)
	}
	where := path
	if ae.Line > 0 {
		where += ":" + strconv.FormatInt(ae.Line, 10)
	}
	hunk := ""
	switch {
	case ae.Fragment > 0 && ae.FragmentLine > 0:
		hunk = fmt.Sprintf(" (hunk %d, hunk line %d)", ae.Fragment, ae.FragmentLine)
	case ae.Fragment > 0:
		hunk = fmt.Sprintf(" (hunk %d)", ae.Fragment)
	}
	return fmt.Errorf("%s: patch does not apply%s: %w", where, hunk, err)
}
