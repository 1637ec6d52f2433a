package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
)

// maxStars bounds the stars in a masked preview; longer secrets get a length
// hint instead.
const maxStars = 24

// mask shows at most the first four bytes of a secret, and never more than a
// quarter of it, followed by stars for the rest and, for long secrets, its
// length: "AKIA****************".
func mask(secret string) string {
	// A key block's body starts with a newline: the preview starts at its
	// first visible byte, so a table row stays one line.
	full := len(secret)
	secret = strings.TrimLeft(secret, " \t\r\n")
	n := len(secret)
	show := min(4, n/4)
	// Never cut a UTF-8 sequence nor show a control byte: show only
	// printable ASCII.
	for i := 0; i < show; i++ {
		if secret[i] <= ' ' || secret[i] >= 0x7f {
			show = i
			break
		}
	}
	stars := n - show
	var b strings.Builder
	b.WriteString(secret[:show])
	b.WriteString(strings.Repeat("*", min(stars, maxStars)))
	if stars > maxStars {
		fmt.Fprintf(&b, "(%d chars)", full)
	}
	return b.String()
}

// fingerprint is a stable identifier of a secret at a path for a rule that
// reveals nothing about it: the first 16 bytes of sha256(rule NUL path NUL
// secret), in hex.
func fingerprint(ruleID, path, secret string) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// shannon is the Shannon entropy of s in bits per byte.
func shannon(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	e := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			e -= p * math.Log2(p)
		}
	}
	return e
}
