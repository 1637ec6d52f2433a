package evidence

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/internal/pgtest"
)

// TestPGMigrateFromVersion3Pending: a database left at schema version 3
// (before the pending approvals table) is migrated on open, keeps its
// delivery claims, and then keeps pending PRs.
func TestPGMigrateFromVersion3Pending(t *testing.T) {
	u := pgtest.NewDatabase(t)
	ctx := context.Background()
	old, err := openPostgres(ctx, u, 3)
	if err != nil {
		t.Fatal(err)
	}
	// As gov at version 3 claimed (today's statement names the claim, a
	// column of version 7).
	if err := sql(t, u, "INSERT INTO gov_webhook_deliveries (key) VALUES ('d-1')"); err != nil {
		t.Fatalf("claim at version 3: %v", err)
	}
	_ = old.Close()
	if vs := versions(t, u); len(vs) != 3 {
		t.Fatalf("versions %v, want [1 2 3]", vs)
	}
	s, err := OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if vs := versions(t, u); len(vs) != SchemaVersion() || SchemaVersion() < 4 {
		t.Fatalf("versions %v after migrating, want 1..%d", vs, SchemaVersion())
	}
	if isNew, err := s.ClaimDeliveryAs("d-1", "", time.Hour); err != nil || isNew {
		t.Errorf("the claim made at version 3 was lost: %v %v", isNew, err)
	}
	e := PendingEntry{Repo: "Acme/App", Number: 7, HeadSHA: "abc", BaseRef: "main", Due: t0, Installation: 42}
	if err := s.PutPending(ctx, e); err != nil {
		t.Fatal(err)
	}
	if es, err := s.ListPending(ctx); err != nil || len(es) != 1 || es[0] != (PendingEntry{Repo: "Acme/App", Number: 7, HeadSHA: "abc", BaseRef: "main", Due: t0.UTC(), Installation: 42}) {
		t.Fatalf("pending after migrating: %+v %v", es, err)
	}
}

// TestPGPendingKeyedByRepoAndNumber: a Put under the repository's name in
// another case replaces the entry; Remove matches any case; another
// number is another entry.
func TestPGPendingKeyedByRepoAndNumber(t *testing.T) {
	s, _ := openPG(t)
	ctx := context.Background()
	for _, e := range []PendingEntry{
		{Repo: "Acme/App", Number: 7, HeadSHA: "a", BaseRef: "main", Due: t0},
		{Repo: "acme/app", Number: 7, HeadSHA: "b", BaseRef: "main", Due: t0.Add(time.Hour)},
		{Repo: "acme/app", Number: 8, HeadSHA: "c", BaseRef: "dev", Due: t0.Add(-time.Hour)},
	} {
		if err := s.PutPending(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.ListPending(ctx)
	if err != nil || len(es) != 2 || es[0].Number != 8 || es[1].HeadSHA != "b" || !es[1].Due.Equal(t0.Add(time.Hour)) {
		t.Fatalf("pending: %+v %v; want #8 then #7 at head b", es, err)
	}
	if err := s.RemovePending(ctx, "ACME/APP", 7); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePending(ctx, "acme/app", 99); err != nil {
		t.Errorf("removing an unknown PR: %v", err)
	}
	if es, _ := s.ListPending(ctx); len(es) != 1 || es[0].Number != 8 {
		t.Fatalf("after removing #7: %+v", es)
	}
}

// TestPGSweepSkippedWhileLocked: a sweep while another session holds the
// sweep lock does not run; once it is free, a sweep takes the due entry
// and moves it past the lease, and the entry not taken keeps its time.
func TestPGSweepSkippedWhileLocked(t *testing.T) {
	s, u := openPG(t)
	ctx := context.Background()
	for _, n := range []int{1, 2} {
		if err := s.PutPending(ctx, PendingEntry{Repo: "acme/app", Number: n, HeadSHA: "h", BaseRef: "main", Due: t0}); err != nil {
			t.Fatal(err)
		}
	}
	other, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close(ctx) }()
	if _, err := other.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(sweepLock)); err != nil {
		t.Fatal(err)
	}
	calls := 0
	take := func(e PendingEntry) (bool, bool) { calls++; return e.Number == 1, false }
	if ran, err := s.SweepPending(ctx, t0, time.Minute, take); err != nil || ran || calls != 0 {
		t.Fatalf("sweep under another's lock: ran %v, %d entries, %v", ran, calls, err)
	}
	if _, err := other.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(sweepLock)); err != nil {
		t.Fatal(err)
	}
	if ran, err := s.SweepPending(ctx, t0, time.Minute, take); err != nil || !ran || calls != 2 {
		t.Fatalf("sweep: ran %v, %d entries, %v", ran, calls, err)
	}
	es, _ := s.ListPending(ctx)
	if len(es) != 2 || es[0].Number != 2 || !es[0].Due.Equal(t0) || es[1].Number != 1 || !es[1].Due.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after the sweep: %+v; want #2 still due, #1 due after the lease", es)
	}
}
