package scan

import (
	"bytes"
	"hash/maphash"

	"github.com/gov-policy/gov/patch"
)

// ScanPatch scans the added lines of each text file of a patch; findings
// name the file's new path and the new line number. Removed lines are not
// scanned: a secret being deleted is not a leak the patch makes.
func (s *Scanner) ScanPatch(p *patch.Patch) []Finding {
	if p == nil {
		return nil
	}
	var out []Finding
	var buf []byte
	for _, f := range p.Files {
		if f.Status != patch.StatusDeleted && !s.Excluded(f.Path) {
			out = append(out, fileFindings(f.Path)...)
		}
		if f.Binary || len(f.Added) == 0 || s.Excluded(f.Path) {
			continue
		}
		buf = buf[:0]
		lineMap := make([]int, 0, len(f.Added))
		for _, l := range f.Added {
			buf = append(buf, l.Text...)
			buf = append(buf, '\n')
			lineMap = append(lineMap, l.Line)
		}
		out = append(out, s.scanFragment(f.Path, buf, lineMap)...)
	}
	sortFindings(out)
	return out
}

// addedLines returns the lines of newData that old does not have (as a
// multiset: a line present twice in old covers two copies in new), joined
// by newlines, with their 1-based line numbers in newData. This is what a
// diff adds, minus lines that only moved.
func addedLines(seed maphash.Seed, old, newData []byte) ([]byte, []int) {
	counts := make(map[uint64]int32)
	for line := range bytes.Lines(old) {
		counts[maphash.Bytes(seed, bytes.TrimRight(line, "\r\n"))]++
	}
	var frag []byte
	var lineMap []int
	n := 0
	for line := range bytes.Lines(newData) {
		n++
		text := bytes.TrimRight(line, "\r\n")
		h := maphash.Bytes(seed, text)
		if c := counts[h]; c > 0 {
			counts[h] = c - 1
			continue
		}
		frag = append(frag, text...)
		frag = append(frag, '\n')
		lineMap = append(lineMap, n)
	}
	return frag, lineMap
}
