package simtest

import (
	"testing"
	"time"

	"github.com/gov-policy/gov/patch"
)

// TestDistinctRecordsDiffer: the distinct generator gives every record its
// own patch, the same patch as Record's apart from line numbers, so a
// benchmark over it cannot be answered from repeated inputs.
func TestDistinctRecordsDiffer(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3000
	seen := map[string]int{}
	repeats := 0
	for i := range n {
		d, r := DistinctRecord(i, start), Record(i, start)
		if j, ok := seen[d.PatchDigest]; ok {
			t.Fatalf("records %d and %d have the same patch", j, i)
		}
		seen[d.PatchDigest] = i
		if _, ok := seen["r"+r.PatchDigest]; ok {
			repeats++
		}
		seen["r"+r.PatchDigest] = i
		dp, err := patch.ParseString(d.Request.PatchContent)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		rp, err := patch.ParseString(r.Request.PatchContent)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if len(dp.Files) != len(rp.Files) {
			t.Fatalf("record %d: %d files, want %d", i, len(dp.Files), len(rp.Files))
		}
		for f := range dp.Files {
			if len(dp.Files[f].Added) != len(rp.Files[f].Added) || len(dp.Files[f].Removed) != len(rp.Files[f].Removed) {
				t.Fatalf("record %d file %d: lines differ from Record's", i, f)
			}
			for l := range dp.Files[f].Added {
				if dp.Files[f].Added[l].Text != rp.Files[f].Added[l].Text || dp.Files[f].Added[l].Line <= rp.Files[f].Added[l].Line {
					t.Fatalf("record %d: added line %d not moved or changed", i, l)
				}
			}
		}
	}
	if repeats == 0 {
		t.Fatal("Record no longer repeats patches; this test compares against that")
	}
}
