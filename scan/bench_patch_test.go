package scan_test

import (
	"testing"

	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
)

// BenchmarkNewAndScanSmallPatch is what `gov scan --patch` and `gov eval`
// pay in the scanner for a 3-line patch: building the scanner (keyword
// index, lazily compiled regexes) and scanning.
func BenchmarkNewAndScanSmallPatch(b *testing.B) {
	diff := "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,3 @@\n x = 1\n+y = 2\n+token = get_token()\n+w = 4\n"
	p, err := patch.Parse([]byte(diff))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := scan.New(scan.Config{})
		if err != nil {
			b.Fatal(err)
		}
		if fs := s.ScanPatch(p); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}
