package patch

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse, seeded with the sample patches:
// it must never panic, and either fail with a known one-line error or return
// a patch whose line numbers are positive and whose stats add up; Input must
// then work too.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(patchesDir, "*.diff"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in %s: %v", patchesDir, err)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Shapes the samples lack: traditional headers, CRLF, missing final
	// newline, mode-only, copy, binary without data.
	for _, s := range []string{
		"--- a/x.py\t2024-01-01 00:00:00 +0000\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\r\n-b\n+c\n\\ No newline at end of file\n",
		"diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n",
		"diff --git a/a b/c\nsimilarity index 90%\ncopy from a\ncopy to c\n--- a/a\n+++ b/c\n@@ -0,0 +1 @@\n+x\n",
		"diff --git a/i.gif b/i.gif\nindex 1111111..2222222 100644\nBinary files a/i.gif and b/i.gif differ\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, diff []byte) {
		p, err := Parse(diff)
		if err != nil {
			if p != nil {
				t.Fatalf("error %q with a non-nil patch", err)
			}
			known := []error{ErrEmpty, ErrNotDiff, ErrMalformed, ErrInvalidUTF8}
			if !slices.ContainsFunc(known, func(e error) bool { return errors.Is(err, e) }) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		adds, dels := 0, 0
		for _, f := range p.Files {
			for _, l := range f.Added {
				if l.Line < 1 {
					t.Fatalf("%s: added line number %d", f.Path, l.Line)
				}
			}
			for _, l := range f.Removed {
				if l.Line < 1 {
					t.Fatalf("%s: removed line number %d", f.Path, l.Line)
				}
			}
			adds += len(f.Added)
			dels += len(f.Removed)
		}
		if p.Stats != (Stats{Files: len(p.Files), Additions: adds, Deletions: dels}) {
			t.Fatalf("stats %+v do not add up (%d files, +%d -%d)", p.Stats, len(p.Files), adds, dels)
		}
		if in := p.Input(); len(in["files"].([]any)) != len(p.Files) {
			t.Fatal("input lost files")
		}
	})
}
