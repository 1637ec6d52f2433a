package evidence

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPruneTempRemovesWhatAKilledWriterLeft: a temp file older than
// StaleTempAge is removed, a fresh one (a live writer's) and records stay.
func TestPruneTempRemovesWhatAKilledWriterLeft(t *testing.T) {
	dir := t.TempDir()
	month := filepath.Join(dir, "2026", "03")
	if err := os.MkdirAll(month, 0o750); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(month, ".tmp-123.json")
	fresh := filepath.Join(month, ".tmp-456.json")
	record := filepath.Join(month, "ab.json")
	for _, p := range []string{old, fresh, record} {
		if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * StaleTempAge)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	removed, err := Store{Dir: dir}.PruneTemp(time.Now().Add(-StaleTempAge))
	if err != nil || len(removed) != 1 || removed[0] != old {
		t.Fatalf("PruneTemp = %v, %v; want [%s]", removed, err, old)
	}
	for _, p := range []string{fresh, record} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v (must stay)", p, err)
		}
	}
	if _, err := (Store{Dir: filepath.Join(dir, "none")}).PruneTemp(time.Now()); err != nil {
		t.Errorf("missing audit directory: %v", err)
	}
}
