package scan

import "bytes"

// Redact returns a copy of a unified diff in which every secret the rules
// find, on added, removed or context lines, is masked in place: its first
// characters (as in a finding's Masked form) stay and the rest become '*'.
// Lengths and line structure are kept, so the result is still a diff that
// parses and applies to the same line numbers (audit records keep it).
func (s *Scanner) Redact(diff []byte) []byte {
	out := bytes.Clone(diff)
	// Scan the diff's lines without their +/-/space markers, remembering
	// where each stripped line starts in both texts.
	text, strippedStart, origStart := diffText(diff)
	toOrig := func(pos int) int {
		i := lastLE(strippedStart, pos)
		return origStart[i] + pos - strippedStart[i]
	}
	for _, c := range s.candidates("", text) {
		show := min(4, (c.end-c.start)/4)
		for i := 0; i < show; i++ {
			if text[c.start+i] >= 0x80 { // show ASCII only, never half a rune
				show = i
				break
			}
		}
		for pos := c.start + show; pos < c.end; pos++ {
			if text[pos] != '\n' && text[pos] != '\r' {
				out[toOrig(pos)] = '*'
			}
		}
	}
	return out
}

// lastLE is the index of the last element of the ascending xs that is <= v.
func lastLE(xs []int, v int) int {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if xs[mid] <= v {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
