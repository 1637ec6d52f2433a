package evidence

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gov-policy/gov/internal/pgtest"
)

// asyncCluster is a private server whose default is synchronous_commit =
// off (a setting DBAs use for speed: a commit is acknowledged before its
// WAL is written, and a crash loses it), with a WAL writer slow enough
// that a crash right after a commit comes before it writes.
func asyncCluster(t *testing.T) *pgtest.Cluster {
	t.Helper()
	c := pgtest.NewCluster(t)
	if err := sql(t, c.URL(), "ALTER DATABASE postgres SET synchronous_commit = off", "ALTER SYSTEM SET wal_writer_delay = '10s'",
		"SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAttackA14DurableAsyncDefault: on a database whose default is
// synchronous_commit = off, a record gov reported written (and gov serve
// answered 200 for) is still there after the database crashes: gov's
// record writes commit durably whatever the server's default, through the
// settings of each write's transaction alone (a pooler may hand every
// transaction another session) as well as with the sessions' own.
func TestAttackA14DurableAsyncDefault(t *testing.T) {
	for name, tweak := range map[string]func(*pgxpool.Config){
		"sessions and transactions": nil,
		"transactions alone":        func(cfg *pgxpool.Config) { cfg.AfterConnect = nil },
	} {
		t.Run(name, func(t *testing.T) {
			c := asyncCluster(t)
			ctx := context.Background()
			s, err := openPostgresConfig(ctx, c.URL(), 0, tweak)
			if err != nil {
				t.Fatal(err)
			}
			const n = 20
			at := time.Now()
			for i := range n {
				if _, err := s.Write(record(fmt.Sprintf("durable-%d", i), at)); err != nil {
					t.Fatal(err)
				}
			}
			_ = s.Close()
			c.Crash(t)
			c.Start(t)
			s, err = OpenPostgres(ctx, c.URL())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			entries, errs := s.List(time.Time{})
			if len(errs) > 0 || len(entries) != n {
				t.Fatalf("after a crash the store holds %d of the %d records it reported written (%v)", len(entries), n, errs)
			}
			if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
				t.Fatalf("chain after the crash: %+v %v", r, err)
			}
		})
	}
}

// TestAttackA14DurableSessions: every session of the store's pools (the
// job queue's pool too) commits durably on a server whose default is
// synchronous_commit = off, so that webhook deliveries claimed and pending
// approvals written survive a crash as records do (their commits wait for
// the local WAL flush, not for standbys); a durable default the
// DBA chose (here remote_write) is kept, not replaced.
func TestAttackA14DurableSessions(t *testing.T) {
	c := asyncCluster(t)
	ctx := context.Background()
	s, err := OpenPostgres(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	jobs, err := s.NewPool(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer jobs.Close()
	for name, pool := range map[string]*pgxpool.Pool{"store": s.pool, "jobs": jobs} {
		var got string
		if err := pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&got); err != nil || got != "local" {
			t.Fatalf("%s pool: synchronous_commit %q %v, want local", name, got, err)
		}
	}
	if err := sql(t, c.URL(), "ALTER DATABASE postgres SET synchronous_commit = remote_write"); err != nil {
		t.Fatal(err)
	}
	s.pool.Reset()
	var got string
	if err := s.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&got); err != nil || got != "remote_write" {
		t.Fatalf("with a default of local: synchronous_commit %q %v, want it kept", got, err)
	}
}
