package scan

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ahocorasick "github.com/BobuSumisu/aho-corasick"

	"github.com/gov-policy/gov/scan/scantest"
)

type kwHit struct{ end, n, pat int64 }

func collectHits(walk func([]byte, func(end, n, pat int64) bool), text []byte) []kwHit {
	var out []kwHit
	walk(text, func(end, n, pat int64) bool {
		out = append(out, kwHit{end, n, pat})
		return true
	})
	return out
}

// keywordTexts are texts full of keywords: the repository's test patches,
// every generated secret sample rendered in every language, and random
// runs of keywords and their fragments (overlaps, prefixes, suffixes).
func keywordTexts(t *testing.T, kws []string) [][]byte {
	t.Helper()
	var texts [][]byte
	files, err := filepath.Glob("../testdata/patches/*.diff")
	if err != nil || len(files) == 0 {
		t.Fatalf("test patches: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, b)
	}
	g := scantest.New(7)
	for _, s := range append(g.Positives(), g.LookAlikes()...) {
		for _, lang := range slices.Sorted(func(yield func(string) bool) {
			for l := range scantest.Langs() {
				if !yield(l) {
					return
				}
			}
		}) {
			texts = append(texts, []byte(scantest.Render(lang, s)))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		var b strings.Builder
		for range 1 + r.IntN(40) {
			kw := kws[r.IntN(len(kws))]
			i, j := r.IntN(len(kw)+1), r.IntN(len(kw)+1)
			switch r.IntN(4) {
			case 0:
				b.WriteString(kw)
			case 1:
				b.WriteString(kw[min(i, j):max(i, j)])
			default:
				b.WriteString(kw[:i])
				b.WriteString(kws[r.IntN(len(kws))])
			}
			if r.IntN(3) == 0 {
				b.WriteByte(" _-=\n"[r.IntN(5)])
			}
		}
		texts = append(texts, []byte(b.String()))
	}
	return texts
}

// TestKeywordWalkMatchesTrie: the direct keyword search a scanner uses
// before its trie is built reports exactly the occurrences the
// Aho-Corasick trie does, in the same order (the rules run in that order,
// and skip lines already run).
func TestKeywordWalkMatchesTrie(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	kws := s.keywords.kws
	trie := ahocorasick.NewTrieBuilder().AddStrings(kws).Build()
	texts := keywordTexts(t, kws)
	hits := 0
	for i, text := range texts {
		lower := asciiLower(nil, text)
		direct := newKeywordIndex(kws) // a fresh budget for each text
		got := collectHits(direct.walk, lower)
		if direct.trie != nil {
			t.Fatalf("text %d (%d bytes): the trie was built", i, len(lower))
		}
		want := collectHits(func(b []byte, fn func(end, n, pat int64) bool) { trie.Walk(b, fn) }, lower)
		if !slices.Equal(got, want) {
			t.Fatalf("text %d: direct search\n%v\ntrie\n%v", i, fmt.Sprint(got), fmt.Sprint(want))
		}
		hits += len(want)
	}
	if hits < 1000 {
		t.Fatalf("only %d keyword occurrences in %d texts", hits, len(texts))
	}
}

// TestKeywordIndexBuildsTrieOnceOverBudget: past smallScanBudget bytes a
// scanner searches with its trie, and finds the same.
func TestKeywordIndexBuildsTrieOnceOverBudget(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	big := []byte(strings.Repeat("token = 1234; aws_secret password\n", smallScanBudget/30))
	small := newKeywordIndex(s.keywords.kws)
	want := collectHits(small.walk, big[:1000])
	collectHits(s.keywords.walk, big)
	if s.keywords.trie == nil {
		t.Fatal("no trie after scanning past the budget")
	}
	got := collectHits(s.keywords.walk, big[:1000])
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("trie %v, direct %v", got, want)
	}
}

// TestAutomatonMatchesTrie: the compact automaton a scanner builds past
// smallScanBudget reports exactly what the Aho-Corasick trie of
// github.com/BobuSumisu/aho-corasick reports, in the same order: on gov's
// keywords over keyword-dense texts, and on random keyword sets (nested,
// overlapping and repeated keywords, any byte) over random texts. A
// keyword occurrence the automaton missed would skip the rules it gates.
func TestAutomatonMatchesTrie(t *testing.T) {
	check := func(name string, kws []string, texts [][]byte) int {
		t.Helper()
		a := newAutomaton(kws)
		trie := ahocorasick.NewTrieBuilder().AddStrings(kws).Build()
		hits := 0
		for i, text := range texts {
			got := collectHits(a.walk, text)
			want := collectHits(func(b []byte, fn func(end, n, pat int64) bool) { trie.Walk(b, fn) }, text)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, text %d %q: automaton\n%v\ntrie\n%v", name, i, text, got, want)
			}
			hits += len(want)
		}
		return hits
	}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var lowered [][]byte
	for _, text := range keywordTexts(t, s.keywords.kws) {
		lowered = append(lowered, asciiLower(nil, text))
	}
	if hits := check("gov keywords", s.keywords.kws, lowered); hits < 1000 {
		t.Fatalf("only %d keyword occurrences", hits)
	}
	// Stopping early: fn returning false ends the walk on that hit.
	a := newAutomaton([]string{"ab", "b"})
	n := 0
	a.walk([]byte("abab"), func(end, _, _ int64) bool { n++; return n < 3 })
	if n != 3 {
		t.Fatalf("walk went on after fn returned false: %d calls", n)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		alphabet := []byte("abc")
		if round%4 == 0 { // any byte, including 0 and 0xff
			alphabet = nil
			for range 2 + r.IntN(300) {
				alphabet = append(alphabet, byte(r.IntN(256)))
			}
		}
		word := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			return string(b)
		}
		kws := make([]string, 1+r.IntN(30))
		for i := range kws {
			kws[i] = word(1 + r.IntN(6))
		}
		var texts [][]byte
		for range 5 {
			texts = append(texts, []byte(word(r.IntN(400))))
		}
		check(fmt.Sprintf("round %d %q", round, kws), kws, texts)
	}
}
