package main

import (
	"math/rand/v2"
	"regexp/syntax"
	"strings"
	"unicode"
)

// regexValue draws a random string that a regular expression matches: a
// value of the shape another scanner's pattern describes (the pattern is
// read as a fact about the format; the value is ours). Repeats take their
// minimum plus a little; "." and its repeats (the gap between a keyword
// and its value) become a short assignment ("_key: "), so the text reads
// like a config line.
func regexValue(r *rand.Rand, re *syntax.Regexp) string {
	var b strings.Builder
	genRe(r, re, &b)
	return b.String()
}

func genRe(r *rand.Rand, re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(classRune(r, re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('_')
	case syntax.OpCapture:
		genRe(r, re.Sub[0], b)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			genRe(r, s, b)
		}
	case syntax.OpAlternate:
		// A branch of "." or a newline class is the keyword gap; prefer
		// the first branch, usually the plain one.
		genRe(r, re.Sub[r.IntN(len(re.Sub))], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := re.Min, re.Max
		switch re.Op {
		case syntax.OpStar:
			lo, hi = 0, -1
		case syntax.OpPlus:
			lo, hi = 1, -1
		case syntax.OpQuest:
			lo, hi = 0, 1
		}
		if isGap(re.Sub[0]) {
			if hi < 0 || hi >= 6 {
				b.WriteString("_key: ")
			}
			return
		}
		n := lo
		if hi < 0 && re.Sub[0].Op == syntax.OpCharClass {
			n += 16 + r.IntN(17) // an unbounded value class: a key-sized run
		} else if hi < 0 {
			n += r.IntN(8)
		} else if hi > lo {
			n += r.IntN(min(hi-lo, 8) + 1)
		}
		if lo == 0 && n == 0 && re.Op != syntax.OpQuest {
			n = min(1, max(hi, 1))
		}
		for range n {
			genRe(r, re.Sub[0], b)
		}
	}
	// Anchors, word boundaries and empty matches produce nothing.
}

// isGap reports whether re is "." or a class that includes newlines or
// almost everything: the filler between a keyword and its value.
func isGap(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	case syntax.OpCapture:
		return isGap(re.Sub[0])
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if isGap(s) {
				return true
			}
		}
	case syntax.OpCharClass:
		n := 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			n += int(re.Rune[i+1]-re.Rune[i]) + 1
		}
		return n > 200
	}
	return false
}

// classRune picks a printable ASCII rune of a class (ranges as pairs).
func classRune(r *rand.Rand, ranges []rune) rune {
	var pool []rune
	for i := 0; i+1 < len(ranges); i += 2 {
		for c := ranges[i]; c <= ranges[i+1] && c < 127; c++ {
			if unicode.IsPrint(c) && c != ' ' {
				pool = append(pool, c)
			}
		}
	}
	if len(pool) == 0 {
		return 'x'
	}
	return pool[r.IntN(len(pool))]
}

// firstCapture returns the first capture group of re, or re itself.
func firstCapture(re *syntax.Regexp) *syntax.Regexp {
	if re.Op == syntax.OpCapture {
		return re
	}
	for _, s := range re.Sub {
		if c := firstCapture(s); c != nil && c.Op == syntax.OpCapture {
			return c
		}
	}
	return re
}

// randomPart reports whether re draws at least n characters from classes
// (a value has a random part, not only fixed words).
func randomPart(re *syntax.Regexp, n int) bool { return classChars(re) >= n }

func classChars(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpCharClass:
		return 1
	case syntax.OpRepeat:
		return re.Min * classChars(re.Sub[0])
	case syntax.OpPlus:
		return 16 * classChars(re.Sub[0])
	case syntax.OpCapture:
		return classChars(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += classChars(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if c := classChars(s); n < 0 || c < n {
				n = c
			}
		}
		return max(n, 0)
	}
	return 0
}
