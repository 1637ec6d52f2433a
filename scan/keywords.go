package scan

import (
	"slices"
	"sync"
	"sync/atomic"
)

// smallScanBudget is how many bytes a Scanner searches for its keywords
// directly, before it builds its Aho-Corasick automaton: building the
// automaton of every rule's keywords costs as much as searching about that
// much text directly, and most scanners (gov eval,
// gov scan --patch on a healing patch) never search more.
const smallScanBudget = 64 << 10

// keywordIndex finds the rules' keywords in lowercased text.
type keywordIndex struct {
	kws     []string
	byFirst [256][]int32 // first byte -> keywords starting with it
	scanned atomic.Int64
	once    sync.Once
	trie    *automaton
}

func newKeywordIndex(kws []string) *keywordIndex {
	k := &keywordIndex{kws: kws}
	for i, kw := range kws {
		k.byFirst[kw[0]] = append(k.byFirst[kw[0]], int32(i))
	}
	return k
}

// walk calls fn(end, n, pattern) for every occurrence of a keyword in
// lower, as ahocorasick.Trie.Walk does and in its order: by end offset,
// then longest first (TestKeywordWalkMatchesTrie), until fn returns false.
func (k *keywordIndex) walk(lower []byte, fn func(end, n, pat int64) bool) {
	if k.scanned.Add(int64(len(lower))) > smallScanBudget {
		k.once.Do(func() { k.trie = newAutomaton(k.kws) })
		k.trie.walk(lower, fn)
		return
	}
	type hit struct{ end, n, pat int64 }
	var hits []hit
	for i, c := range lower {
		for _, p := range k.byFirst[c] {
			if kw := k.kws[p]; len(lower)-i >= len(kw) && string(lower[i:i+len(kw)]) == kw {
				hits = append(hits, hit{int64(i + len(kw) - 1), int64(len(kw)), int64(p)})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.end != b.end {
			return int(a.end - b.end)
		}
		return int(b.n - a.n)
	})
	for _, h := range hits {
		if !fn(h.end, h.n, h.pat) {
			return
		}
	}
}
