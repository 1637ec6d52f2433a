package explain

import (
	"context"
	"errors"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestFindRecordBothStores: a record is found by its digest, or 12 digits
// of it, in a directory and in PostgreSQL alike; an unknown digest is
// ErrNoRecord and a malformed one an error, never another record.
func TestFindRecordBothStores(t *testing.T) {
	pg, err := evidence.OpenStore(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pg.Close() }()
	for name, store := range map[string]evidence.AuditStore{"dir": evidence.Store{Dir: t.TempDir()}, "postgres": pg} {
		t.Run(name, func(t *testing.T) {
			var digests []string
			for i, id := range []string{"req-a", "req-b"} {
				rec := evidence.Record{
					Request:  engine.Request{RequestID: id},
					Decision: &engine.Decision{Decision: engine.Allow, RequestID: id, Bundle: engine.BundleInfo{Source: "embedded", Revision: "embedded:x"}},
					Time:     time.Date(2026, 3, 1, 9, i, 0, 0, time.UTC),
				}
				p, err := store.Write(rec)
				if err != nil {
					t.Fatal(err)
				}
				digests = append(digests, "sha256:"+strings.TrimSuffix(path.Base(p), ".json"))
			}
			for i, d := range digests {
				for _, ask := range []string{d, strings.TrimPrefix(d, "sha256:")[:12]} {
					rec, got, err := FindRecord(store, ask)
					if err != nil || got != d || rec.Request.RequestID != []string{"req-a", "req-b"}[i] {
						t.Errorf("FindRecord(%s) = %s %s, %v", ask, got, rec.Request.RequestID, err)
					}
				}
			}
			if _, _, err := FindRecord(store, "sha256:"+strings.Repeat("f", 64)); !errors.Is(err, ErrNoRecord) {
				t.Errorf("unknown digest: %v, want ErrNoRecord", err)
			}
			for _, bad := range []string{"abc", "sha256:xyz0123456789", ""} {
				if _, _, err := FindRecord(store, bad); err == nil || errors.Is(err, ErrNoRecord) {
					t.Errorf("FindRecord(%q): %v, want a malformed-digest error", bad, err)
				}
			}
		})
	}
}
