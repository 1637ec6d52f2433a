package evidence

import (
	"context"
	"testing"

	"github.com/gov-policy/gov/internal/pgtest"
)

// TestPGBehindPgBouncerSessionPool: an organisation's PostgreSQL is often
// reached through PgBouncer. Through one in session pooling mode with its
// defaults (it refuses run-time parameters it does not know when a client
// connects), gov opens and migrates its store, the job queue's migration
// session has its lock wait and no statement timeout, sessions after it
// have the server's defaults again, and records are written and verify.
// Seen failing with the job queue's migration settings sent as run-time
// parameters (PgBouncer: unsupported startup parameter: lock_timeout).
func TestPGBehindPgBouncerSessionPool(t *testing.T) {
	// s9cSettings leaves its database at a schema version of its own.
	s9cSettings(t, pgtest.Bouncer(t, pgtest.NewDatabase(t)), "0 0 0")
	through := pgtest.Bouncer(t, pgtest.NewDatabase(t))
	s, err := OpenPostgres(context.Background(), through)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	for i := range 3 {
		rec := testRecord()
		rec.Request.RequestID = string(rune('a' + i))
		if _, err := s.Write(rec); err != nil {
			t.Fatalf("write %d through PgBouncer: %v", i, err)
		}
	}
	r, err := s.VerifyChain()
	if err != nil || r.Rows != 3 || len(r.Problems) != 0 {
		t.Fatalf("chain through PgBouncer: %+v (%v), want 3 rows verifying", r, err)
	}
}
