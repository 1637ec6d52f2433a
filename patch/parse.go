package patch

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Errors returned (wrapped) by Parse; test for them with errors.Is.
var (
	// ErrEmpty: the input holds no file change at all.
	ErrEmpty = errors.New("patch is empty")
	// ErrNotDiff: the input is text but not a unified or git diff.
	ErrNotDiff = errors.New("not a unified diff")
	// ErrMalformed: the input is a diff but a header or hunk is broken.
	ErrMalformed = errors.New("malformed diff")
	// ErrInvalidUTF8: the input is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
)

// maxLineNumber bounds hunk positions and counts so that line numbers never
// overflow; no real file has two billion lines.
const maxLineNumber = math.MaxInt32

// Parse parses a unified or git diff into a Patch. Paths lose their a/ and b/
// prefixes (one leading component of a traditional ---/+++ header, like git
// apply -p1). Line texts lose their +/- marker, the trailing newline and a
// trailing carriage return. Errors are one line and wrap ErrEmpty, ErrNotDiff,
// ErrMalformed or ErrInvalidUTF8. The Patch keeps one copy of diff, which its
// line texts share; ParseString keeps the caller's string itself.
func Parse(diff []byte) (*Patch, error) {
	if line, ok := firstInvalidUTF8(diff); !ok {
		return nil, fmt.Errorf("%w at line %d", ErrInvalidUTF8, line)
	}
	return parse(string(diff))
}

// ParseString is Parse of a diff held as a string (a request's
// patch_content): every line text of the Patch is a substring of diff, so a
// large patch is held once, not once more per line.
func ParseString(diff string) (*Patch, error) {
	if line, ok := firstInvalidUTF8String(diff); !ok {
		return nil, fmt.Errorf("%w at line %d", ErrInvalidUTF8, line)
	}
	return parse(diff)
}

func parse(diff string) (*Patch, error) {
	files, err := parseFiles(diff)
	if err != nil {
		return nil, err
	}
	p := &Patch{Files: make([]File, 0, len(files)), source: diff}
	changed := false
	for _, gf := range files {
		if err := checkNames(gf); err != nil {
			return nil, fmt.Errorf("%w: file %d: %w", ErrMalformed, len(p.Files)+1, err)
		}
		f, err := convertFile(gf)
		if err != nil {
			return nil, fmt.Errorf("%w: file %d: %w", ErrMalformed, len(p.Files)+1, err)
		}
		changed = changed || hasChange(gf)
		p.Stats.Additions += len(f.Added)
		p.Stats.Deletions += len(f.Removed)
		p.Files = append(p.Files, f)
	}
	if !changed {
		return nil, fmt.Errorf("%w: no file changes found", ErrEmpty)
	}
	p.Stats.Files = len(p.Files)
	return p, nil
}

// parseFiles runs go-gitdiff over diff (valid UTF-8) and normalises the
// names of its files. go-gitdiff reads through substringReader, so the lines
// it keeps are substrings of diff, not copies. The files (their context
// lines and line records) are not kept in the Patch: LoadContent parses
// the source again.
func parseFiles(diff string) ([]*gitdiff.File, error) {
	if len(strings.TrimSpace(diff)) == 0 {
		return nil, fmt.Errorf("%w: no file changes found", ErrEmpty)
	}
	files, preamble, err := gitdiff.Parse(&substringReader{s: diff})
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, safeParseError(err))
	}
	if len(files) == 0 {
		return nil, noFiles(preamble)
	}
	traditional := countGitHeaders(diff) < len(files)
	if traditional {
		if err := checkTraditionalNames(diff); err != nil {
			return nil, err
		}
	}
	for _, gf := range files {
		// A patch saved with CRLF line endings leaves a \r on header names.
		gf.OldName, gf.NewName = strings.TrimSuffix(gf.OldName, "\r"), strings.TrimSuffix(gf.NewName, "\r")
		if traditional && isTraditional(gf) {
			gf.OldName, gf.NewName = stripComponent(gf.OldName), stripComponent(gf.NewName)
		}
	}
	return files, nil
}

// substringReader gives go-gitdiff the lines of s as substrings of s (what
// bytes.Buffer.ReadString returns, without the copy of each line).
type substringReader struct {
	s   string
	off int
}

// ReadString returns s up to and including the next delim from the
// current offset, or the rest of s and io.EOF when there is none.
func (r *substringReader) ReadString(delim byte) (string, error) {
	rest := r.s[r.off:]
	i := strings.IndexByte(rest, delim)
	if i < 0 {
		r.off = len(r.s)
		return rest, io.EOF
	}
	r.off += i + 1
	return rest[:i+1], nil
}

// Read makes substringReader an io.Reader (gitdiff.Parse's parameter type);
// go-gitdiff reads only through ReadString.
func (r *substringReader) Read(b []byte) (int, error) {
	if r.off >= len(r.s) {
		return 0, io.EOF
	}
	n := copy(b, r.s[r.off:])
	r.off += n
	return n, nil
}

// noFiles explains input in which go-gitdiff found no file header: a commit
// header without changes is an empty patch, anything else is not a diff.
func noFiles(preamble string) error {
	first := ""
	for l := range strings.Lines(preamble) {
		if t := strings.TrimSpace(l); t != "" {
			first = t
			break
		}
	}
	for _, prefix := range []string{"From ", "commit ", "diff ", "index "} {
		if strings.HasPrefix(first, prefix) {
			return fmt.Errorf("%w: no file changes found", ErrEmpty)
		}
	}
	// The input is not quoted: its first line may be a secret.
	return fmt.Errorf("%w: no \"diff --git\" or \"---\"/\"+++\" file header found", ErrNotDiff)
}

// countGitHeaders counts lines starting with "diff --git ".
func countGitHeaders(diff string) int {
	const header = "diff --git "
	n := strings.Count(diff, "\n"+header)
	if strings.HasPrefix(diff, header) {
		n++
	}
	return n
}

// isTraditional guesses whether gf came from a ---/+++ header rather than a
// "diff --git" one: git headers always carry an index line or modes.
func isTraditional(gf *gitdiff.File) bool {
	return gf.OldOIDPrefix == "" && gf.NewOIDPrefix == "" && gf.OldMode == 0 && gf.NewMode == 0 &&
		!gf.IsRename && !gf.IsCopy && !gf.IsBinary
}

// stripComponent drops the first path component ("b/x.go" -> "x.go").
func stripComponent(name string) string {
	if _, rest, ok := strings.Cut(name, "/"); ok && rest != "" {
		return rest
	}
	return name
}

// hasChange reports whether gf changes anything at all.
func hasChange(gf *gitdiff.File) bool {
	return len(gf.TextFragments) > 0 || gf.IsBinary || gf.IsNew || gf.IsDelete || gf.IsRename ||
		gf.IsCopy || gf.OldMode != gf.NewMode
}

// convertFile turns one go-gitdiff file into the model, numbering lines.
func convertFile(gf *gitdiff.File) (File, error) {
	f := File{Path: gf.NewName, Binary: gf.IsBinary, Added: []Line{}, Removed: []Line{}}
	switch {
	case gf.IsNew:
		f.Status = StatusAdded
	case gf.IsDelete:
		f.Status, f.Path = StatusDeleted, gf.OldName
	case gf.IsRename:
		f.Status, f.OldPath = StatusRenamed, gf.OldName
	case gf.IsCopy:
		f.Status, f.OldPath = StatusCopied, gf.OldName
	default:
		f.Status = StatusModified
	}
	f.Language = Language(f.Path)
	if gf.IsBinary {
		return f, nil
	}
	nAdd, nDel := 0, 0
	for _, frag := range gf.TextFragments {
		nAdd += int(frag.LinesAdded)
		nDel += int(frag.LinesDeleted)
	}
	f.Added, f.Removed = make([]Line, 0, nAdd), make([]Line, 0, nDel)
	for i, frag := range gf.TextFragments {
		if err := checkFragment(frag); err != nil {
			// Neither the path nor the hunk header is quoted: either may hold a secret.
			return File{}, fmt.Errorf("hunk %d: %w", i+1, err)
		}
		oldLine, newLine := int(frag.OldPosition), int(frag.NewPosition)
		for _, l := range frag.Lines {
			switch l.Op {
			case gitdiff.OpAdd:
				f.Added = append(f.Added, Line{Line: newLine, Text: lineText(l.Line)})
				newLine++
			case gitdiff.OpDelete:
				f.Removed = append(f.Removed, Line{Line: oldLine, Text: lineText(l.Line)})
				oldLine++
			default:
				oldLine++
				newLine++
			}
		}
	}
	return f, nil
}

// checkFragment rejects hunk headers that would give line numbers below 1 or
// beyond maxLineNumber.
func checkFragment(frag *gitdiff.TextFragment) error {
	for _, v := range []int64{frag.OldPosition, frag.OldLines, frag.NewPosition, frag.NewLines} {
		if v < 0 || v > maxLineNumber {
			return fmt.Errorf("position or count %d out of range", v)
		}
	}
	if frag.OldPosition == 0 && frag.OldLines > 0 {
		return errors.New("old range starts at line 0 but has lines")
	}
	if frag.NewPosition == 0 && frag.NewLines > 0 {
		return errors.New("new range starts at line 0 but has lines")
	}
	return nil
}

// lineText strips the trailing newline and carriage return of a diff line.
func lineText(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}
