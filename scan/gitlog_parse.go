package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// logParser reads `git log -p -U0 --format=%x01%H` output and scans each
// file's added lines as one fragment, as the go-git path scans a changed
// blob's added lines.
type logParser struct {
	s        *Scanner
	r        *bufio.Reader
	st       *Stats
	seenFP   map[string]struct{}
	out      []Finding
	progress func(done, total int)
	total    int

	commit string
	line   []byte // readLine's buffer for lines longer than the reader's
	// the file being read: its path, whether it is skipped (excluded,
	// symlink, submodule, binary, over MaxFileSize), its added lines
	inFile  bool
	path    string
	skip    bool
	frag    []byte
	lineMap []int
}

var errTruncated = errors.New("git log output ends inside a hunk")

func (p *logParser) run() error {
	for {
		line, err := p.readLine()
		if errors.Is(err, io.EOF) {
			p.flushFile()
			p.endCommit()
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case len(line) > 0 && line[0] == 1:
			p.flushFile()
			p.endCommit()
			p.commit = string(line[1:])
		case bytes.HasPrefix(line, []byte("diff --git ")):
			p.flushFile()
			p.inFile, p.path, p.skip = true, "", false
		case !p.inFile:
		case bytes.HasPrefix(line, []byte("new file mode ")) || bytes.HasPrefix(line, []byte("index ")):
			// Symlink targets and submodule commits are not file content.
			if bytes.HasSuffix(line, []byte(" 120000")) || bytes.HasSuffix(line, []byte(" 160000")) {
				p.skip = true
			}
		case bytes.HasPrefix(line, []byte("+++ ")):
			p.setPath(line[4:])
		case bytes.HasPrefix(line, []byte("@@ ")):
			if err := p.hunk(line); err != nil {
				return err
			}
		}
	}
}

// setPath takes the new path from a "+++ " line; /dev/null (a deletion)
// leaves nothing to scan.
func (p *logParser) setPath(name []byte) {
	// git ends the name with a tab when it holds a space; a name that
	// itself ends with a tab is quoted.
	s := string(bytes.TrimSuffix(name, []byte{'\t'}))
	if len(s) > 0 && s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
	}
	if len(s) < 2 || s[:2] != "b/" {
		p.skip = true
		return
	}
	p.path = s[2:]
	if p.s.Excluded(p.path) {
		p.skip = true
		return
	}
	p.report(fileFindings(p.path))
}

// hunk reads the lines of the hunk whose header is line and keeps the
// added ones with their new line numbers.
func (p *logParser) hunk(header []byte) error {
	oldN, newStart, newN, ok := parseHunkHeader(header)
	if !ok {
		return fmt.Errorf("commit %s: %s: bad hunk header %q", p.commit, p.path, header)
	}
	n := newStart
	for oldN > 0 || newN > 0 {
		line, err := p.readLine()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("commit %s: %s: %w", p.commit, p.path, errTruncated)
		}
		if err != nil {
			return err
		}
		switch {
		case len(line) == 0 || line[0] == ' ': // context (diff.suppressBlankEmpty prints "")
			oldN--
			newN--
			n++
		case line[0] == '-':
			oldN--
		case line[0] == '+':
			newN--
			p.add(line[1:], n)
			n++
		case line[0] == '\\': // "\ No newline at end of file"
		default:
			return fmt.Errorf("commit %s: %s: unexpected line in hunk", p.commit, p.path)
		}
	}
	return nil
}

// add appends one added line to the file's fragment, unless the file is
// skipped, turns out binary (a NUL byte early on) or grows over MaxFileSize.
func (p *logParser) add(text []byte, lineNo int) {
	if p.skip || p.path == "" {
		return
	}
	if len(p.frag) < binaryProbe && bytes.IndexByte(text[:min(len(text), binaryProbe)], 0) >= 0 {
		p.st.SkippedBinary++
		p.dropFile()
		return
	}
	if len(p.frag)+len(text)+1 > MaxFileSize {
		p.st.SkippedLarge++
		p.dropFile()
		return
	}
	p.frag = append(p.frag, text...)
	p.frag = append(p.frag, '\n')
	p.lineMap = append(p.lineMap, lineNo)
}

func (p *logParser) dropFile() {
	p.skip = true
	p.frag, p.lineMap = p.frag[:0], p.lineMap[:0]
}

// flushFile scans the finished file's added lines; a secret already
// reported (same rule, path and value) is not reported again.
func (p *logParser) flushFile() {
	if p.inFile && !p.skip && len(p.frag) > 0 {
		found := p.s.scanFragment(p.path, p.frag, p.lineMap)
		p.st.Files++
		p.st.Bytes += int64(len(p.frag))
		sortFindings(found)
		p.report(found)
	}
	p.inFile = false
	p.frag, p.lineMap = p.frag[:0], p.lineMap[:0]
	// Do not keep a huge buffer alive after one big file.
	if cap(p.frag) > 1<<20 {
		p.frag, p.lineMap = nil, nil
	}
}

// report keeps findings not reported before (same rule, path and value).
func (p *logParser) report(found []Finding) {
	for _, f := range found {
		if _, ok := p.seenFP[f.Fingerprint]; ok {
			continue
		}
		p.seenFP[f.Fingerprint] = struct{}{}
		f.Commit = p.commit
		p.out = append(p.out, f)
	}
}

func (p *logParser) endCommit() {
	if p.commit == "" {
		return
	}
	p.st.Commits++
	if p.progress != nil {
		p.progress(p.st.Commits, max(p.total, p.st.Commits))
	}
	p.commit = ""
}

// readLine returns the next line without its newline; the slice is valid
// until the next call. A line longer than MaxFileSize is cut there (the
// file is then dropped as too large by add).
func (p *logParser) readLine() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	if err == nil {
		return line[:len(line)-1], nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return line, nil
		}
		return nil, err
	}
	p.line = append(p.line[:0], line...)
	for {
		line, err = p.r.ReadSlice('\n')
		if len(p.line) <= MaxFileSize {
			p.line = append(p.line, line...)
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(p.line, []byte{'\n'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return p.line, nil
		default:
			return nil, err
		}
	}
}

// parseHunkHeader parses "@@ -a[,b] +c[,d] @@": the old line count b, and
// the new start c and count d (a missing count is 1).
func parseHunkHeader(h []byte) (oldN, newStart, newN int, ok bool) {
	rest, found := bytes.CutPrefix(h, []byte("@@ -"))
	if !found {
		return 0, 0, 0, false
	}
	oldPart, rest, found := bytes.Cut(rest, []byte(" +"))
	if !found {
		return 0, 0, 0, false
	}
	newPart, _, found := bytes.Cut(rest, []byte(" @@"))
	if !found {
		return 0, 0, 0, false
	}
	_, oldN, ok1 := rangePart(oldPart)
	newStart, newN, ok2 := rangePart(newPart)
	return oldN, newStart, newN, ok1 && ok2
}

func rangePart(b []byte) (start, count int, ok bool) {
	s, c, hasCount := bytes.Cut(b, []byte{','})
	start, err := strconv.Atoi(string(s))
	if err != nil || start < 0 {
		return 0, 0, false
	}
	count = 1
	if hasCount {
		if count, err = strconv.Atoi(string(c)); err != nil || count < 0 {
			return 0, 0, false
		}
	}
	return start, count, true
}
