package evidence

import (
	"strings"
	"testing"
)

// TestPatchDigestString: the digest of a patch string, hashed in pieces,
// is the digest of its bytes, at sizes around the piece size.
func TestPatchDigestString(t *testing.T) {
	for _, n := range []int{0, 1, 100, 64<<10 - 1, 64 << 10, 64<<10 + 1, 3*64<<10 + 17} {
		s := strings.Repeat("+x = 1\n", n/7+1)[:n]
		if got, want := PatchDigestString(s), PatchDigest([]byte(s)); got != want {
			t.Errorf("%d bytes: %s, want %s", n, got, want)
		}
	}
}
