package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDiskDeliveriesPruned: claims older than the delivery TTL are removed
// (at most once per TTL), so the directory does not keep every delivery
// ever accepted; a claim within the TTL still refuses its replay.
func TestDiskDeliveriesPruned(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &diskSeen{dir: dir, ttl: time.Hour, now: func() time.Time { return now }}
	for _, k := range []string{"a", "b", "c"} {
		if ok, err := d.add(k); !ok || err != nil {
			t.Fatalf("claim %s: %v %v", k, ok, err)
		}
	}
	// Age the three claims past the TTL.
	old := now.Add(-2 * time.Hour)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(dir, e.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(90 * time.Minute)
	if ok, err := d.add("fresh"); !ok || err != nil {
		t.Fatalf("claim fresh: %v %v", ok, err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d claim files after the prune, want 1 (the fresh one)", len(entries))
	}
	if ok, _ := d.add("fresh"); ok {
		t.Error("a replay within the TTL was accepted after the prune")
	}
}
