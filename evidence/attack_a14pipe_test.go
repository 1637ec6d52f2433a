package evidence

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gov-policy/gov/internal/pgtest"
)

// refusingStore opens a store on u whose new connections fail once the
// returned flag is set (a partition, a full connection limit): a cancel
// request it sends then never reaches the server.
func refusingStore(t *testing.T, u string) (*PGStore, *atomic.Bool) {
	t.Helper()
	refuse := new(atomic.Bool)
	s, err := openPostgresConfig(context.Background(), u, 0, func(cfg *pgxpool.Config) {
		dial := cfg.ConnConfig.DialFunc
		cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if refuse.Load() {
				return nil, errors.New("refused by the test")
			}
			return dial(ctx, network, addr)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, refuse
}

// writeOutcomeHeld fails t unless the chain holds before records and,
// exactly when the Write's error werr is nil, its own one more.
func writeOutcomeHeld(t *testing.T, u string, werr error, before int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM gov_audit WHERE kind = 'record'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if werr != nil && n != before {
		t.Fatalf("Write reported failed (%v), and the chain holds its record (%d records)", werr, n)
	}
	if werr == nil && n != before+1 {
		t.Fatalf("Write reported written, and the chain holds %d records, want %d", n, before+1)
	}
}

// settled waits until no session of the database but the test's own runs
// a statement: a transaction a Write gave up on has committed or aborted.
func settled(t *testing.T, u string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	for i := 0; ; i++ {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if i == 1000 {
			t.Fatalf("%d statements still running after 10 s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncStandbyStall has every commit on u's database wait for a
// synchronous standby that never answers: the commit is written locally,
// then hangs until the session is cancelled or terminated, and stands
// either way (PostgreSQL: "The transaction has already committed locally,
// but might not have been replicated to the standby"). Stores opened on u
// after it see it; undone when t ends.
func syncStandbyStall(t *testing.T, u string) {
	t.Helper()
	if err := sql(t, u, `ALTER SYSTEM SET synchronous_standby_names = 'gov_test_standby_never_there'`,
		`SELECT pg_reload_conf()`, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = on', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sql(t, u, `ALTER SYSTEM RESET synchronous_standby_names`, `SELECT pg_reload_conf()`); err != nil {
			t.Error(err)
		}
	})
}

// TestAttackA14PipeStalledCommitNotReportedFailed: the pipelined append's
// commit (at its Sync) stalls at a synchronous standby past the write
// timeout. The client gives up; its connection's close cancels the wait,
// and the transaction, committed locally already, stands. The Write must
// not be reported failed for a record the chain then holds: the fallback
// must find out whether the append committed instead of failing at once
// on the write timeout the append used up.
func TestAttackA14PipeStalledCommitNotReportedFailed(t *testing.T) {
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	s.writeTimeout = time.Second
	if _, err := s.Write(record("before", t0)); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	syncStandbyStall(t, u)
	s, err = OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.writeTimeout = time.Second
	// Known head: the next Write takes the pipelined append.
	s.head.known, s.head.seq, s.head.hash = true, 1, chainHeadHash(t, u)
	_, werr := s.Write(record("stalled-commit", t0))
	settled(t, u)
	writeOutcomeHeld(t, u, werr, 1)
}

// chainHeadHash is the hash of the chain's head.
func chainHeadHash(t *testing.T, u string) []byte {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var h []byte
	if err := conn.QueryRow(ctx, "SELECT hash FROM gov_audit_head").Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestAttackA14PipeLostCancelStalledCommitNotReportedFailed: as
// TestAttackA14PipeStalledCommitNotReportedFailed, but the database takes
// no new connection (the store's open ones still work), so the cancel
// request the client sends on closing the stalled connection does not
// land: the backend, committed locally, keeps waiting for the standby and
// holds the chain's head. The fallback must not report the Write failed
// while its record stands (once the backend ends, by a terminate, a
// restart or the standby's answer): it must end that backend itself and
// then look.
func TestAttackA14PipeLostCancelStalledCommitNotReportedFailed(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprint("fast=", fast), func(t *testing.T) {
			u := pgtest.NewDatabase(t)
			ctx := context.Background()
			s, refuse := refusingStore(t, u)
			defer func() { _ = s.Close() }()
			syncStandbyStall(t, u)
			s.pool.Reset() // new connections, which stall at commit
			s.writeTimeout = time.Second
			// Two connections open, so that one is left when the stalled one is
			// closed.
			c1, err := s.pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c2, err := s.pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c1.Release()
			c2.Release()
			var seq int64
			var hash []byte
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close(ctx) }()
			if err := conn.QueryRow(ctx, "SELECT seq, hash FROM gov_audit_head").Scan(&seq, &hash); err != nil {
				t.Fatal(err)
			}
			if fast { // else insert, the locked path
				s.head.known, s.head.seq, s.head.hash = true, seq, hash
			}
			refuse.Store(true)
			_, werr := s.Write(record("stalled-commit", t0))
			// The stalled backend ends as a restart would end it.
			if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'`); err != nil {
				t.Fatal(err)
			}
			settled(t, u)
			writeOutcomeHeld(t, u, werr, 0)

		})
	}
}

// TestAttackA14PipeLockedStalledCommitNotReportedFailed: as
// TestAttackA14PipeStalledCommitNotReportedFailed, for the locked path
// (insert: a store that does not know the chain's head yet, or whose
// head another replica moved): its COMMIT stalls at a synchronous standby
// past the write timeout, and stands once the client gives up. The Write
// must not be reported failed for a record the chain holds.
func TestAttackA14PipeLockedStalledCommitNotReportedFailed(t *testing.T) {
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.writeTimeout = time.Second
	syncStandbyStall(t, u)
	s.pool.Reset() // new connections, which stall at commit
	_, werr := s.Write(record("stalled-commit", t0))
	settled(t, u)
	writeOutcomeHeld(t, u, werr, 0)
}

// TestAttackA14PipeStoreContextEndsDuringCommit: the store's context
// (gov serve's, ended by SIGTERM) ends while a Write's commit is under
// way (here stalled at a synchronous standby): the connection's close
// cancels the wait and the transaction, committed locally, stands. The
// Write must not be reported failed for a record the chain holds.
func TestAttackA14PipeStoreContextEndsDuringCommit(t *testing.T) {
	for _, fast := range []bool{true, false} {
		u := pgtest.NewDatabase(t)
		ctx, stop := context.WithCancel(context.Background())
		s, err := OpenPostgres(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		s.writeTimeout = 5 * time.Second
		if _, err := s.Write(record("before", t0)); err != nil {
			t.Fatal(err)
		}
		if !fast {
			s.head.forget()
		}
		syncStandbyStall(t, u)
		s.pool.Reset() // new connections, which stall at commit
		time.AfterFunc(300*time.Millisecond, stop)
		_, werr := s.Write(record("stalled-commit", t0))
		settled(t, u)
		_ = s.Close()
		t.Logf("fast %v", fast)
		writeOutcomeHeld(t, u, werr, 1)
	}
}
