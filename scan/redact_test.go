package scan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestRedact masks every planted secret of every rule in a diff, on added
// and removed lines, and keeps the diff parseable with the same shape.
func TestRedact(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sample := range scantest.New(7).Positives() {
		t.Run(sample.Name, func(t *testing.T) {
			lines := strings.Split("# settings\n"+scantest.Render("python", sample)+"\nrun(config)", "\n")
			var b strings.Builder
			fmt.Fprintf(&b, "diff --git a/src/config.py b/src/config.py\n--- a/src/config.py\n+++ b/src/config.py\n")
			fmt.Fprintf(&b, "@@ -1,%d +1,%d @@\n", len(lines), len(lines))
			for _, l := range lines {
				b.WriteString("-" + l + "\n")
			}
			for _, l := range lines {
				b.WriteString("+" + l + "\n")
			}
			diff := b.String()
			before, err := patch.Parse([]byte(diff))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.ScanPatch(before)) == 0 {
				t.Fatalf("the sample is not found before redaction")
			}
			red := string(s.Redact([]byte(diff)))
			if strings.Contains(red, sample.Secret) {
				t.Fatalf("secret survives redaction:\n%s", red)
			}
			if len(red) != len(diff) || strings.Count(red, "\n") != strings.Count(diff, "\n") {
				t.Fatalf("redaction changed the diff's size or lines")
			}
			after, err := patch.Parse([]byte(red))
			if err != nil {
				t.Fatalf("redacted diff does not parse: %v", err)
			}
			if after.Stats != before.Stats {
				t.Fatalf("stats %+v, want %+v", after.Stats, before.Stats)
			}
			if fs := s.ScanPatch(after); len(fs) != 0 {
				t.Fatalf("redacted diff still has findings: %+v", fs)
			}
		})
	}
}

func TestRedactKeepsCleanDiffs(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	diff := "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
	if got := string(s.Redact([]byte(diff))); got != diff {
		t.Fatalf("clean diff changed:\n%s", got)
	}
}
