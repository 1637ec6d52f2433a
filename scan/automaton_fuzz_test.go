package scan

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// bruteHits is the reference for automaton.walk: every keyword occurrence
// by end offset, longest first; of repeated keywords the last index.
func bruteHits(kws []string, text []byte) []kwHit {
	last := map[string]int{}
	for i, kw := range kws {
		last[kw] = i
	}
	var out []kwHit
	for end := range text {
		var at []kwHit
		for kw, p := range last {
			if n := len(kw); n <= end+1 && string(text[end+1-n:end+1]) == kw {
				at = append(at, kwHit{int64(end), int64(n), int64(p)})
			}
		}
		slices.SortFunc(at, func(a, b kwHit) int { return int(b.n - a.n) })
		out = append(out, at...)
	}
	return out
}

// FuzzAutomatonBruteForce: the keyword automaton reports exactly the
// occurrences a brute-force search finds, for fuzzed keyword sets (the
// first byte of kwBlob separates them: any byte, 0x80 and up included)
// and for gov's own keywords over the fuzzed text ASCII-lowered, where the
// direct search used below smallScanBudget must agree too.
func FuzzAutomatonBruteForce(f *testing.F) {
	f.Add([]byte("\nab\nb\nabc\nbc"), []byte("xabcabc"))
	f.Add([]byte(",he,she,his,hers"), []byte("ushers"))
	f.Add([]byte("\x00\xc3\xa4pi\x00\xff\xfe\x00\x80"), []byte("\xc3\xa4pi\xff\xfe\x80\x80\xc3\xa4"))
	f.Add([]byte(";aa;aaa;a"), []byte("aaaaaaa"))
	f.Add([]byte(" "), []byte("Authorization: Bearer x\nAWS_SECRET_ACCESS_KEY=x ghp_ SSWS pin-value=\xc3\x84"))
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	govKws := s.keywords.kws
	gov := newAutomaton(govKws)
	f.Fuzz(func(t *testing.T, kwBlob, text []byte) {
		if len(text) > 4096 {
			return
		}
		lower := asciiLower(nil, text)
		want := bruteHits(govKws, lower)
		if got := collectHits(gov.walk, lower); !slices.Equal(got, want) {
			t.Fatalf("gov keywords, text %q: automaton %v, brute force %v", text, got, want)
		}
		if got := collectHits(newKeywordIndex(govKws).walk, lower); !slices.Equal(got, want) {
			t.Fatalf("gov keywords, text %q: direct %v, brute force %v", text, got, want)
		}
		if len(kwBlob) < 2 {
			return
		}
		var kws []string
		for _, k := range bytes.Split(kwBlob[1:], kwBlob[:1]) {
			if len(k) > 0 && len(k) <= 64 {
				kws = append(kws, string(k))
			}
		}
		if len(kws) == 0 || len(kws) > 200 {
			return
		}
		if got, want := collectHits(newAutomaton(kws).walk, text), bruteHits(kws, text); !slices.Equal(got, want) {
			t.Fatalf("keywords %q, text %q: automaton %v, brute force %v", strings.Join(kws, "|"), text, got, want)
		}
	})
}
