package scan

// automaton is an Aho-Corasick automaton over the rules' keywords, compiled
// to a deterministic transition table over byte classes: the bytes that
// occur in no keyword share class 0, every other byte has its own class.
// The keywords use a few dozen distinct bytes, so a state's row is that
// many int32s, not the 256 int64s (2 KB) of a row indexed by every byte:
// for gov's keywords about 0.2 MB instead of 3.4 MB held for the whole of a
// history scan. It reports what ahocorasick.Trie.Walk reports, in its order
// (TestAutomatonMatchesTrie).
type automaton struct {
	class    [256]uint16
	nclass   int
	delta    []int32 // delta[s*nclass+class] = next state
	dict     []int   // length of the keyword ending at s, 0 if none
	pattern  []int   // index of that keyword
	dictLink []int32 // the next state on s's failure chain that ends a keyword, -1 if none
}

func newAutomaton(kws []string) *automaton {
	a := &automaton{}
	var classes uint16
	for _, kw := range kws {
		for i := 0; i < len(kw); i++ {
			if a.class[kw[i]] == 0 {
				classes++
				a.class[kw[i]] = classes
			}
		}
	}
	a.nclass = int(classes) + 1 // and class 0
	// The trie: goTo[s*nclass+c] is the child of s by class c, 0 if none
	// (the root is never a child).
	goTo := make([]int32, a.nclass)
	a.dict, a.pattern = []int{0}, []int{0}
	var last int32 // the newest state
	for p, kw := range kws {
		s := int32(0)
		for i := 0; i < len(kw); i++ {
			at := int(s)*a.nclass + int(a.class[kw[i]])
			if goTo[at] == 0 {
				last++
				goTo[at] = last
				goTo = append(goTo, make([]int32, a.nclass)...)
				a.dict, a.pattern = append(a.dict, 0), append(a.pattern, 0)
			}
			s = goTo[at]
		}
		a.dict[s], a.pattern[s] = len(kw), p // a repeated keyword: the last one, as the trie
	}
	// Breadth first: a state's failure state is shallower, so its row and
	// links are final when the state is reached.
	n := len(a.dict)
	a.delta = goTo // filled in place: a missing child becomes the failure's transition
	fail := make([]int32, n)
	a.dictLink = make([]int32, n)
	a.dictLink[0] = -1
	queue := make([]int32, 0, n)
	for c := range a.nclass {
		if t := a.delta[c]; t != 0 {
			fail[t], a.dictLink[t] = 0, -1
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		row := a.delta[int(s)*a.nclass : int(s+1)*a.nclass]
		frow := a.delta[int(fail[s])*a.nclass : int(fail[s]+1)*a.nclass]
		for c := range row {
			t := row[c]
			if t == 0 {
				row[c] = frow[c]
				continue
			}
			f := frow[c]
			fail[t] = f
			if a.dict[f] != 0 {
				a.dictLink[t] = f
			} else {
				a.dictLink[t] = a.dictLink[f]
			}
			queue = append(queue, t)
		}
	}
	return a
}

// walk calls fn(end, n, pattern) for every keyword occurrence in text: by
// end offset, then longest first, until fn returns false.
func (a *automaton) walk(text []byte, fn func(end, n, pat int64) bool) {
	s := 0
	for i, b := range text {
		s = int(a.delta[s*a.nclass+int(a.class[b])])
		if a.dict[s] != 0 && !fn(int64(i), int64(a.dict[s]), int64(a.pattern[s])) {
			return
		}
		for u := a.dictLink[s]; u >= 0; u = a.dictLink[u] {
			if !fn(int64(i), int64(a.dict[u]), int64(a.pattern[u])) {
				return
			}
		}
	}
}
