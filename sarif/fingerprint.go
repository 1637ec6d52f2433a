package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// fingerprints computes each item's govFingerprint/v1: the SHA-256 of rule,
// path and the line's content (trimmed), never its number, so results keep
// their identity when lines above them move. Items with the same hash are
// told apart by their occurrence, in input order (":1", ":2", ...), as
// GitHub's own primaryLocationLineHash does.
func fingerprints(items []item) []string {
	out := make([]string, len(items))
	seen := map[string]int{}
	for i, it := range items {
		h := sha256.New()
		for _, part := range [...]string{it.rule, it.file, strings.TrimSpace(it.key)} {
			h.Write([]byte(part))
			h.Write([]byte{0})
		}
		sum := hex.EncodeToString(h.Sum(nil))
		seen[sum]++
		out[i] = fmt.Sprintf("%s:%d", sum, seen[sum])
	}
	return out
}

// guidOf derives a stable version-5-shaped GUID from a fingerprint (for
// suppressions, whose guid go-sarif would otherwise write as null).
func guidOf(fp string) string {
	sum := sha256.Sum256([]byte(fp))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
