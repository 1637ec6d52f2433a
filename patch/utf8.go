package patch

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// firstInvalidUTF8 reports whether b is valid UTF-8 and, when it is not, the
// 1-based number of the first line holding an invalid byte sequence.
func firstInvalidUTF8(b []byte) (line int, ok bool) {
	if utf8.Valid(b) {
		return 0, true
	}
	line = 1
	for len(b) > 0 {
		l := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if !utf8.Valid(l) {
			return line, false
		}
		line++
	}
	// unreachable for invalid input: some line must be invalid.
	return line, false
}

// firstInvalidUTF8String is firstInvalidUTF8 of a string, without copying it.
func firstInvalidUTF8String(s string) (line int, ok bool) {
	if utf8.ValidString(s) {
		return 0, true
	}
	line = 1
	for l := range strings.Lines(s) {
		if !utf8.ValidString(l) {
			return line, false
		}
		line++
	}
	// unreachable for invalid input: some line must be invalid.
	return line, false
}
