package evidence

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gov-policy/gov/internal/pgtest"
)

// s9bBesideWriter runs migrate (a migration that locks gov_audit, then
// gov_audit_head) on the database at u while another session writes as a
// record write does: it holds the chain's head (SELECT ... FOR UPDATE),
// then, once the migration waits for gov_audit_head's exclusive lock,
// reads gov_audit and commits. PostgreSQL's deadlock check
// (deadlock_timeout) comes before the migration's lock_timeout, as it does
// by default (1 s against 2 s; s9bFastDeadlockCheck); the writer's comes later, so that, as when
// the migration waited first, the migration is the session it ends. It
// fails t when the writer's read or commit fails, and returns migrate's
// error.
func s9bBesideWriter(t *testing.T, u string, migrate func(ctx context.Context) error) error {
	t.Helper()
	ctx := context.Background()
	watch, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = watch.Close(ctx) }()
	writer, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = writer.Close(ctx) }()
	if _, err := writer.Exec(ctx, "SET deadlock_timeout = '20s'"); err != nil {
		t.Fatal(err)
	}
	tx, err := writer.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT seq FROM gov_audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	migrated := make(chan error, 1)
	go func() { migrated <- migrate(ctx) }()
	for i := 0; ; i++ {
		var n int
		if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE c.relname = 'gov_audit_head' AND l.mode = 'AccessExclusiveLock' AND NOT l.granted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if i == 1000 {
			t.Fatal("the migration does not wait for gov_audit_head")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := tx.Exec(ctx, "SELECT count(*) FROM gov_audit"); err != nil {
		t.Fatalf("the writer's read of gov_audit: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("the writer's commit: %v", err)
	}
	return <-migrated
}

// s9bFastDeadlockCheck sets the deadlock_timeout of the new sessions of
// the database at u below the test's migration lock wait.
func s9bFastDeadlockCheck(t *testing.T, u string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET deadlock_timeout = ''100ms''', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
}

// s9bShortWaits shortens the migration's retries for a test.
func s9bShortWaits(t *testing.T) {
	wait, attempts := migrationLockWait, migrationAttempts
	migrationLockWait, migrationAttempts = 300*time.Millisecond, 3
	t.Cleanup(func() { migrationLockWait, migrationAttempts = wait, attempts })
}

// TestAttackA14S9BMigrationDeadlockRetried: a migration that locks two of
// gov's tables in the other order than a record write does (gov_audit,
// then gov_audit_head) meets a write of an older replica: each waits for
// the other, and PostgreSQL ends the migration with deadlock_detected
// (40P01) before its lock_timeout. That is as transient as a lock
// timeout (the writer then commits): the migration is tried again and
// applies once, instead of failing the new replica's start. Seen failing
// ("migration 9999_two_tables.sql: ERROR: deadlock detected (SQLSTATE
// 40P01)") with only lock_not_available retried.
func TestAttackA14S9BMigrationDeadlockRetried(t *testing.T) {
	s9bShortWaits(t)
	u := pgtest.NewDatabase(t)
	s9bFastDeadlockCheck(t, u)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	m := migration{version: 9999, name: "9999_two_tables.sql", sql: `LOCK TABLE gov_audit IN ACCESS EXCLUSIVE MODE;
		LOCK TABLE gov_audit_head IN ACCESS EXCLUSIVE MODE;
		CREATE TABLE gov_s9b_marker (one int)`}
	err = s9bBesideWriter(t, u, func(ctx context.Context) error {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		return applyMigration(ctx, conn, m)
	})
	if err != nil {
		t.Fatalf("migrating beside a writer: %v, want the migration tried again once the deadlock ended it", err)
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM gov_schema_migrations WHERE version = 9999").Scan(&n); err != nil || n != 1 {
		t.Fatalf("migration 9999 recorded %d times (%v), want once", n, err)
	}
}

// TestAttackA14S9BMigration6BesideWriter: gov's own migration 6, the one
// that changes gov_audit and then gov_audit_head, applied while an older
// replica writes a record as above, migrates, and the write goes on:
// gov_audit's change (a storage parameter) takes a lock that a write's
// read does not wait for. Holds; seen failing (40P01, the new replica's
// start failed) with migration 6 taking gov_audit's exclusive lock first
// and only lock_not_available retried.
func TestAttackA14S9BMigration6BesideWriter(t *testing.T) {
	s9bShortWaits(t)
	u := pgtest.NewDatabase(t)
	old, err := openPostgres(context.Background(), u, 5)
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	s9bFastDeadlockCheck(t, u)
	err = s9bBesideWriter(t, u, func(ctx context.Context) error {
		s, err := OpenPostgres(ctx, u)
		if err == nil {
			_ = s.Close()
		}
		return err
	})
	if err != nil {
		t.Fatalf("migrating beside a writer: %v", err)
	}
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var v, n int
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT max(version) FROM gov_schema_migrations),
		(SELECT count(*) FROM pg_trigger WHERE tgname = 'gov_audit_head_no_delete')`).Scan(&v, &n); err != nil || v != SchemaVersion() || n != 1 {
		t.Fatalf("schema version %d, migration 6's trigger %d times (%v); want %d, once", v, n, err, SchemaVersion())
	}
}

// TestAttackA14S9BMigrationLockBesideDatabaseLockTimeout: the database's
// sessions default to a short lock_timeout or statement_timeout (a DBA's
// setting for applications), and another replica holds gov's migration lock while it
// migrates, which may now take its migrationAttempts. The new replica
// waits for it and then opens, and so does its job queue's migration
// (MigrateWith), instead of failing at once with a lock timeout that
// names no migration: a wait for the migration lock is not a wait for a
// table that queues others behind it. Seen failing ("canceling statement
// due to lock timeout") on b9017e9, and with the lock_timeout of the
// wait left at the database's; the statement_timeout case ("canceling
// statement due to statement timeout") with only lock_timeout set.
func TestAttackA14S9BMigrationLockBesideDatabaseLockTimeout(t *testing.T) {
	for _, setting := range []string{"lock_timeout", "statement_timeout"} {
		t.Run(setting, func(t *testing.T) {
			ctx := context.Background()
			u := pgtest.NewDatabase(t)
			holder, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = holder.Close(ctx) }()
			if _, err := holder.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %%I SET %s = ''100ms''', current_database()); END $$`, setting)); err != nil {
				t.Fatal(err)
			}
			besideMigration := func(what string, open func(ctx context.Context) error) {
				t.Helper()
				if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
					t.Fatal(err)
				}
				openCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				opened := make(chan error, 1)
				go func() { opened <- open(openCtx) }()
				// The other replica migrates for longer than the default lock_timeout.
				for i := 0; ; i++ {
					var n int
					if err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n > 0 {
						break
					}
					if i == 1000 {
						t.Fatalf("%s does not wait for the migration lock", what)
					}
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(500 * time.Millisecond)
				select {
				case err := <-opened:
					t.Fatalf("%s while another replica migrates: %v, want it to wait", what, err)
				default:
				}
				if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(migrationLock)); err != nil {
					t.Fatal(err)
				}
				if err := <-opened; err != nil {
					t.Fatalf("%s once the other replica migrated: %v", what, err)
				}
			}
			var store *PGStore
			besideMigration("opening", func(ctx context.Context) (err error) {
				store, err = OpenPostgres(ctx, u)
				return err
			})
			defer func() { _ = store.Close() }()
			ran := false
			besideMigration("the job queue's migration", func(ctx context.Context) error {
				return store.MigrateWith(ctx, "test step", func(context.Context, *pgxpool.Pool) error { ran = true; return nil })
			})
			if !ran {
				t.Fatal("MigrateWith did not run its step")
			}
		})
	}
}

// TestAttackA14S9BMigrationTimedOutLeavesNothing: a migration whose first
// statement applies and whose second times out on its lock, at every
// attempt, leaves nothing of itself (neither the first statement's table
// nor its version in gov_schema_migrations), and its attempts do not
// apply the first statement twice: run again once the lock is free, it
// applies once (a second CREATE TABLE would fail). Holds; seen failing
// (the first statement's table left) with the migration's statements
// each committed on their own.
func TestAttackA14S9BMigrationTimedOutLeavesNothing(t *testing.T) {
	s9bShortWaits(t)
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	tx := pgtest.ReadingTx(t, u, "gov_webhook_deliveries")
	m := migration{version: 9998, name: "9998_two_steps.sql", sql: `CREATE TABLE gov_s9b_first (one int);
		ALTER TABLE gov_webhook_deliveries ADD COLUMN s9b int`}
	apply := func() error {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		return applyMigration(ctx, conn, m)
	}
	if err := apply(); err == nil || !strings.Contains(err.Error(), "9998_two_steps.sql") {
		t.Fatalf("migrating beside a reader: %v, want the migration's lock error", err)
	}
	var first, recorded int
	if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_class WHERE relname = 'gov_s9b_first'),
		(SELECT count(*) FROM gov_schema_migrations WHERE version = 9998)`).Scan(&first, &recorded); err != nil {
		t.Fatal(err)
	}
	if first != 0 || recorded != 0 {
		t.Fatalf("a migration that failed left its first table %d times, its version %d times; want neither", first, recorded)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := apply(); err != nil {
		t.Fatalf("migrating once the reader ended: %v", err)
	}
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM gov_schema_migrations WHERE version = 9998").Scan(&recorded); err != nil || recorded != 1 {
		t.Fatalf("migration recorded %d times (%v), want once", recorded, err)
	}
}
