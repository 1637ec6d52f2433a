package scan

import (
	"bytes"
	"slices"
	"strings"
)

// Secrets returns the raw secrets the rules find anywhere in text (a
// request field, a log excerpt), suppressed ones included, each once. They
// are for masking other copies of the same bytes (see Mask) and must never
// be printed or stored. A multi-line secret (a private key block) is also
// returned line by line, so that a single line of it quoted elsewhere is
// masked too.
func (s *Scanner) Secrets(text []byte) []string {
	var out []string
	for _, c := range s.candidates("", text) {
		out = appendSecret(out, c.secret)
	}
	return out
}

// DiffSecrets is Secrets over a unified diff's added, removed and context
// lines, read without their +/-/space markers (as Redact masks them).
func (s *Scanner) DiffSecrets(diff []byte) []string {
	text, _, _ := diffText(diff)
	return s.Secrets(text)
}

// DiffSecretsString is DiffSecrets of a diff held as a string (a request's
// patch_content), read without a copy of it: the text scanned is built
// once, at its final size.
func (s *Scanner) DiffSecretsString(diff string) []string {
	text := make([]byte, 0, len(diff))
	for line := range strings.Lines(diff) {
		if line[0] == '+' || line[0] == '-' || line[0] == ' ' {
			line = line[1:]
		}
		text = append(text, line...)
	}
	return s.Secrets(text)
}

// minLinePart is the shortest line of a multi-line secret returned on its
// own; shorter lines ("-----", "==") would mask unrelated text.
const minLinePart = 8

func appendSecret(out []string, secret string) []string {
	add := func(v string) {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	add(secret)
	if strings.ContainsAny(secret, "\r\n") {
		for line := range strings.Lines(secret) {
			// A key body line, its marker lines, and the literal "\n"
			// escapes a key embedded in a JSON or env string carries.
			for part := range strings.SplitSeq(strings.TrimSpace(line), `\n`) {
				if len(part) >= minLinePart {
					add(part)
				}
			}
		}
	}
	return out
}

// Mask is the masked form of a secret a finding shows: at most its first
// four bytes (never more than a quarter of it), then stars.
func Mask(secret string) string { return mask(secret) }

// diffText is a diff's lines without their +/-/space markers, with where
// each stripped line starts in the text (strippedStart) and in the diff
// (origStart).
func diffText(diff []byte) (text []byte, strippedStart, origStart []int) {
	off := 0
	for line := range bytes.Lines(diff) {
		body := line
		skip := 0
		if len(line) > 0 && (line[0] == '+' || line[0] == '-' || line[0] == ' ') {
			skip = 1
			body = line[1:]
		}
		strippedStart = append(strippedStart, len(text))
		origStart = append(origStart, off+skip)
		text = append(text, body...)
		off += len(line)
	}
	return text, strippedStart, origStart
}
