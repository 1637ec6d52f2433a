package scan

import (
	"bytes"
	"math"
	"sort"
)

// binaryProbe is how much of a file is checked for NUL bytes.
const binaryProbe = 8000

// isBinary reports whether data looks binary (a NUL byte near the start).
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binaryProbe)], 0) >= 0
}

// ScanBytes scans one file's content; path (a slash path) names it in the
// findings and decides exclusions. Binary content is skipped by the text
// rules (a file rule still reports a key store by its name).
func (s *Scanner) ScanBytes(path string, data []byte) []Finding {
	if s.Excluded(path) {
		return nil
	}
	fs := fileFindings(path)
	if isBinary(data) {
		return fs
	}
	return append(fs, s.scanFragment(path, data, nil)...)
}

// candidate is a secret matched by a rule before locations are resolved.
type candidate struct {
	rule       *rule
	start, end int // the secret's span in the fragment
	loc        int // where the finding is reported (secret start, or block start)
	secret     string
}

// scanFragment scans data, a file or the added lines of a patch joined by
// newlines. lineMap, when set, maps the fragment's 0-based line index to the
// file's line number.
func (s *Scanner) scanFragment(path string, data []byte, lineMap []int) []Finding {
	cands := s.candidates(path, data)
	if len(cands) == 0 {
		return nil
	}
	return s.findings(path, data, lineMap, cands)
}

// maxPooledLower is the largest lower-case buffer candidates keeps for reuse.
const maxPooledLower = 4 << 20

// candidates returns the accepted secret matches in data, deduplicated and
// ordered by position.
func (s *Scanner) candidates(path string, data []byte) []candidate {
	if len(data) == 0 {
		return nil
	}
	bp := s.lowerBuf.Get().(*[]byte)
	lower := asciiLower((*bp)[:0], data)
	defer func() {
		// A buffer grown for a large input (a whole big patch) is not kept:
		// the pool would hold it through the evaluation that follows.
		if cap(lower) <= maxPooledLower {
			*bp = lower[:0]
			s.lowerBuf.Put(bp)
		}
	}()

	// next[i] is the offset below which rule i has already been run;
	// applies[i] caches whether rule i applies to path (0 unknown, 1 yes, 2 no).
	// Both are made at the first keyword hit: most strings scanned (a
	// request's fields) have none.
	var next []int
	var applies []uint8
	var cands []candidate
	s.keywords.walk(lower, func(end, n, pat int64) bool {
		if next == nil {
			next, applies = make([]int, len(s.rules)), make([]uint8, len(s.rules))
		}
		start := int(end - n + 1)
		for _, ref := range s.byKw[pat] {
			if start < next[ref.rule] {
				continue
			}
			if ref.exact != "" && string(data[start:start+int(n)]) != ref.exact {
				continue
			}
			r := s.rules[ref.rule]
			if applies[ref.rule] == 0 {
				applies[ref.rule] = 2
				if r.appliesTo(path) {
					applies[ref.rule] = 1
				}
			}
			if applies[ref.rule] == 2 {
				next[ref.rule] = len(data)
				continue
			}
			next[ref.rule] = s.runRule(r, data, start, &cands)
		}
		return true
	})
	for _, i := range s.always {
		if r := s.rules[i]; r.appliesTo(path) {
			collect(r, data, 0, len(data), &cands)
		}
	}
	if cands = dropFingerprints(path, data, cands); len(cands) == 0 {
		return nil
	}
	return dedupe(cands)
}

// runRule runs r on the line holding offset (or, for multi-line rules, from
// that line on) and returns the offset up to which r has now been run.
func (s *Scanner) runRule(r *rule, data []byte, offset int, cands *[]candidate) int {
	if r.anchored {
		if r.wordStart && offset > 0 && isWordByte(data[offset-1]) {
			return offset + 1
		}
		if m := r.regex().FindSubmatchIndex(data[offset:lineEnd(data, offset)]); m != nil {
			if _, se := r.secretSpan(m); r.wordStart && inFileName(data, offset, offset+se) {
				return offset + 1
			}
			addCandidate(r, data, offset, m, cands)
		}
		return offset + 1
	}
	ls := bytes.LastIndexByte(data[:offset], '\n') + 1
	if r.multiline {
		end := min(len(data), ls+multilineWindow)
		m := r.regex().FindSubmatchIndex(data[ls:end])
		if m == nil {
			return lineEnd(data, offset) + 1
		}
		addCandidate(r, data, ls, m, cands)
		return ls + m[1]
	}
	le := lineEnd(data, offset)
	collect(r, data, ls, le, cands)
	return le + 1
}

// collect runs r over data[from:to] and records accepted matches.
func collect(r *rule, data []byte, from, to int, cands *[]candidate) {
	for _, m := range r.regex().FindAllSubmatchIndex(data[from:to], -1) {
		addCandidate(r, data, from, m, cands)
	}
}

func addCandidate(r *rule, data []byte, base int, m []int, cands *[]candidate) {
	ss, se := r.secretSpan(m)
	if ss < 0 || se <= ss {
		return
	}
	secret := string(data[base+ss : base+se])
	if !r.accepts(secret) || (r.keyBlock && lowVariety(secret)) || (!r.keyBlock && isPlaceholder(secret)) {
		return
	}
	if r.generic && r.anchored && notSecretName(data, base+m[0], secret) {
		return
	}
	c := candidate{rule: r, start: base + ss, end: base + se, loc: base + ss, secret: secret}
	if r.multiline {
		c.loc = base + m[0]
	}
	*cands = append(*cands, c)
}

// dedupe keeps, of candidates whose secrets overlap, the one of the most
// specific rule (generic rules lose), and orders the rest by position.
func dedupe(cands []candidate) []candidate {
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].rule.priority != cands[j].rule.priority {
			return cands[i].rule.priority < cands[j].rule.priority
		}
		return cands[i].start < cands[j].start
	})
	kept := cands[:0:0]
	for _, c := range cands {
		overlap := false
		for _, k := range kept {
			if c.start < k.end && k.start < c.end {
				overlap = true
				break
			}
		}
		if !overlap {
			kept = append(kept, c)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].loc < kept[j].loc })
	return kept
}

// findings resolves candidates (ordered by loc) to lines and columns and
// applies inline suppressions.
func (s *Scanner) findings(path string, data []byte, lineMap []int, cands []candidate) []Finding {
	out := make([]Finding, 0, len(cands))
	line, lineOff := 0, 0 // 0-based line index of offset lineOff (a line start)
	for _, c := range cands {
		line += bytes.Count(data[lineOff:c.loc], []byte{'\n'})
		lineOff = bytes.LastIndexByte(data[:c.loc], '\n') + 1
		text := data[lineOff:lineEnd(data, c.loc)]
		n := line + 1
		if lineMap != nil && line < len(lineMap) {
			n = lineMap[line]
		}
		f := Finding{
			Rule:        c.rule.id,
			Description: c.rule.description,
			File:        path,
			Line:        n,
			Column:      c.loc - lineOff + 1,
			Fingerprint: fingerprint(c.rule.id, path, c.secret),
			Masked:      mask(c.secret),
			Entropy:     math.Round(shannon(c.secret)*100) / 100,
		}
		if reason, ok := suppression(string(text), c.rule.id); ok {
			f.Suppressed, f.SuppressReason = true, reason
		}
		out = append(out, f)
	}
	return out
}

// inFileName reports a match data[start:end] inside a file name: after a
// word and a dot, and followed by a dot and a letter (video_box.ico-<hex>.png
// is a file name, not a token). A token glued to a word by a dot alone
// (foo.ghp_..., "token.ghp_...") is still a token.
func inFileName(data []byte, start, end int) bool {
	if start < 2 || data[start-1] != '.' || !isWordByte(data[start-2]) {
		return false
	}
	return end+1 < len(data) && data[end] == '.' && (isLower(data[end+1]) || isUpper(data[end+1]))
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// lineEnd is the offset of the newline ending the line holding offset (or
// len(data)).
func lineEnd(data []byte, offset int) int {
	if i := bytes.IndexByte(data[offset:], '\n'); i >= 0 {
		return offset + i
	}
	return len(data)
}

// asciiLower appends data with ASCII letters lowered to dst; other bytes
// (UTF-8 included) are kept, so offsets stay the same.
func asciiLower(dst, data []byte) []byte {
	dst = append(dst, data...)
	for i, c := range dst {
		if c >= 'A' && c <= 'Z' {
			dst[i] = c + 32
		}
	}
	return dst
}
