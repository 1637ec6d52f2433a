package evidence

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gov-policy/gov/internal/pgtest"
)

// s9cLong is a migration statement that runs long without waiting for a
// lock (as an index build on a large table does), holding gov_audit's
// exclusive lock meanwhile: a migration's statements run without a
// statement_timeout, so only the cancellation of its context ends it.
const s9cLong = "LOCK TABLE gov_audit IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30)"

// s9cWhileRunning runs run (given a context it cancels) on the database at
// u, cancels it once the long statement runs on the server, and returns
// run's error.
func s9cWhileRunning(t *testing.T, u string, run func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	watch, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = watch.Close(context.Background()) }()
	for i := 0; ; i++ {
		var n int
		if err := watch.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if i == 1000 {
			t.Fatal("the long statement does not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the migration's context ended and it goes on")
		return nil
	}
}

// s9cTableFree fails t unless another session can read gov_audit at u
// within a few seconds: the statement whose context ended no longer runs
// on the server holding the table's exclusive lock (every record write and
// report queued behind it, and the migration lock with it: a replica
// started again waits for it).
func s9cTableFree(t *testing.T, u string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "SET lock_timeout = '5s'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT count(*) FROM gov_audit"); err != nil {
		t.Fatalf("reading gov_audit after the migration's context ended: %v (its statement still runs on the server, holding the table)", err)
	}
	// The statement's end frees the table; the session's end, a moment
	// later, the migration lock.
	var locked bool
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", int64(migrationLock)).Scan(&locked)
		if err == nil && locked {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("gov's migration lock after the migration's context ended: taken %v (%v), want free", locked, err)
		}
	}
}

// TestAttackA14S9CMigrationCancelEndsServerStatement: a migration
// statement runs without a statement_timeout (1c41b04), "ctx still ends
// it"; but pgx, by default, ends a query whose context ends by closing
// its side of the connection, and PostgreSQL does not notice a closed
// client while a statement runs: SIGTERM to gov serve (or ^C to a CLI
// command) during a long migration left the statement running on the
// server with gov_audit's exclusive lock and the migration lock, every
// replica's writes and the next start queued behind it, the database's
// statement_timeout that used to end it now off. Seen failing on
// 1c41b04 (reading gov_audit: lock timeout).
func TestAttackA14S9CMigrationCancelEndsServerStatement(t *testing.T) {
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	err = s9cWhileRunning(t, u, func(ctx context.Context) error {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := lockMigrations(ctx, conn); err != nil {
			return err
		}
		return applyMigration(ctx, conn, migration{9999, "9999_long.sql", s9cLong})
	})
	if err == nil {
		t.Fatal("the migration whose context ended succeeded")
	}
	s9cTableFree(t, u)
}

// TestAttackA14S9CRiverMigrationCancelEndsServerStatement: as
// TestAttackA14S9CMigrationCancelEndsServerStatement, for the job queue's
// migration step (MigrateWith's pool, statement_timeout = 0). Seen
// failing on 1c41b04 (reading gov_audit: lock timeout).
func TestAttackA14S9CRiverMigrationCancelEndsServerStatement(t *testing.T) {
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	err = s9cWhileRunning(t, u, func(ctx context.Context) error {
		return s.MigrateWith(ctx, "long", func(ctx context.Context, pool *pgxpool.Pool) error {
			_, err := pool.Exec(ctx, "BEGIN; "+s9cLong+"; COMMIT")
			return err
		})
	})
	if err == nil {
		t.Fatal("the migration whose context ended succeeded")
	}
	s9cTableFree(t, u)
}

// s9cKilled runs, in a process of its own, a long migration statement on
// the database at u (the job queue's migration step when river), kills
// that process (SIGKILL) once the statement runs, and fails t unless the
// server has let go of gov_audit and the migration lock a few seconds
// later. test names the test that calls it.
func s9cKilled(t *testing.T, test string, river bool) {
	t.Helper()
	if u := os.Getenv("GOV_TEST_S9C_MIGRATE"); u != "" {
		ctx := context.Background()
		s, err := OpenPostgres(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if river {
			t.Fatal(s.MigrateWith(ctx, "long", func(ctx context.Context, pool *pgxpool.Pool) error {
				_, err := pool.Exec(ctx, "BEGIN; "+s9cLong+"; COMMIT")
				return err
			}))
		}
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lockMigrations(ctx, conn); err != nil {
			t.Fatal(err)
		}
		t.Fatal(applyMigration(ctx, conn, migration{9999, "9999_long.sql", s9cLong}))
	}
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	err = s9cWhileRunning(t, u, func(ctx context.Context) error {
		cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
		cmd.Env = append(os.Environ(), "GOV_TEST_S9C_MIGRATE="+u, pgtest.EnvURL+"="+pgtest.URL(t))
		if err := cmd.Start(); err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
		defer stop()
		return cmd.Wait()
	})
	if err == nil {
		t.Fatal("the migrating process exited 0")
	}
	s9cTableFree(t, u)
}

// TestAttackA14S9CMigrationKilledEndsServerStatement: a gov killed during
// a long migration statement (SIGKILL at the end of a pod's grace period,
// SIGTERM to a CLI command, which does not catch it, the OOM killer)
// sends no cancel request: PostgreSQL does not notice the closed client
// while the statement runs, and with the migration's statement_timeout
// off (1c41b04) nothing ended it: it ran to its end with gov_audit's
// exclusive lock and gov's migration lock, every replica's writes and the
// next start queued behind a process that no longer exists. Seen failing
// on 1c41b04 (reading gov_audit: lock timeout).
func TestAttackA14S9CMigrationKilledEndsServerStatement(t *testing.T) {
	s9cKilled(t, "TestAttackA14S9CMigrationKilledEndsServerStatement", false)
}

// TestAttackA14S9CRiverMigrationKilledEndsServerStatement: as
// TestAttackA14S9CMigrationKilledEndsServerStatement, for the job queue's
// migration step (MigrateWith's pool). Seen failing on 1c41b04.
func TestAttackA14S9CRiverMigrationKilledEndsServerStatement(t *testing.T) {
	s9cKilled(t, "TestAttackA14S9CRiverMigrationKilledEndsServerStatement", true)
}

// s9cShow is the session settings that bound a migration, as SHOW prints
// them, on q.
func s9cShow(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (string, error) {
	var lock, stmt, check string
	err := q.QueryRow(ctx, `SELECT current_setting('lock_timeout'), current_setting('statement_timeout'),
		current_setting('client_connection_check_interval')`).Scan(&lock, &stmt, &check)
	return lock + " " + stmt + " " + check, err
}

// TestAttackA14S9CMigrationSettingsNotUndone: the settings a migration
// runs under (its lock wait, no statement timeout, the closed-client
// check) are gov's whatever the URL's options (-c lock_timeout=0, which
// would let a migration queue every session behind it without bound) and
// the database's defaults say; and they stay the migration's: the
// store's session afterwards, and the job queue's pool, have the URL's
// settings again (no statement_timeout = 0 left behind). Held: checked by
// the test failing with the URL's lock_timeout left in MigrateWith's
// runtime parameters (want 2s, got 0), and with applyMigration's
// statement_timeout set by SET instead of SET LOCAL (afterwards 0, want
// 100ms).
func TestAttackA14S9CMigrationSettingsNotUndone(t *testing.T) {
	u := pgtest.NewDatabase(t)
	if err := sql(t, u, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout = ''7s''', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	u += sep + "options=" + strings.ReplaceAll(url.QueryEscape("-c lock_timeout=0 -c statement_timeout=100 -c client_connection_check_interval=0"), "+", "%20")
	s9cSettings(t, u, "0 100ms 0")
}

// TestAttackA14S9CMigrationSettingsBesideRoleSettings: as
// TestAttackA14S9CMigrationSettingsNotUndone, with the settings the role's
// (ALTER ROLE ... IN DATABASE ... SET): its lock_timeout = 0 does not undo
// a migration's lock wait, and its statement_timeout holds again after.
func TestAttackA14S9CMigrationSettingsBesideRoleSettings(t *testing.T) {
	u := pgtest.NewDatabase(t)
	if err := sql(t, u, `DO $$ BEGIN EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET lock_timeout = 0', current_database());
		EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET statement_timeout = 4000', current_database());
		EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET client_connection_check_interval = 0', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	s9cSettings(t, u, "0 4s 0")
}

// s9cSettings checks the settings of gov's migrations and of the job
// queue's on the database at u (gov's whatever the session's defaults),
// and that its sessions have after (lock_timeout, statement_timeout,
// client_connection_check_interval) again after them.
func s9cSettings(t *testing.T, u, after string) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	want := fmt.Sprintf("%s 0 1s", migrationLockWait)
	var river string
	if err := s.MigrateWith(ctx, "show", func(ctx context.Context, pool *pgxpool.Pool) error {
		river, err = s9cShow(ctx, pool)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if river != want {
		t.Errorf("the job queue's migration session: lock_timeout, statement_timeout, client_connection_check_interval = %s, want %s", river, want)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := lockMigrations(ctx, conn); err != nil {
		t.Fatal(err)
	}
	probe := fmt.Sprintf(`DO $$ BEGIN IF concat_ws(' ', current_setting('lock_timeout'), current_setting('statement_timeout'),
		current_setting('client_connection_check_interval')) <> '%s' THEN RAISE EXCEPTION 'settings %%', concat_ws(' ', current_setting('lock_timeout'),
		current_setting('statement_timeout'), current_setting('client_connection_check_interval')); END IF; END $$`, want)
	if err := applyMigration(ctx, conn, migration{9999, "9999_show.sql", probe}); err != nil {
		t.Errorf("gov's migration session: %v, want %s", err, want)
	}
	_, _ = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	if got, err := s9cShow(ctx, conn); err != nil || got != after {
		t.Errorf("the migrated session afterwards: %s (%v), want %s (the URL's)", got, err, after)
	}
	pool, err := s.NewPool(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got, err := s9cShow(ctx, pool); err != nil || got != after {
		t.Errorf("the job queue's pool: %s (%v), want %s (the URL's)", got, err, after)
	}
}

// TestAttackA14S9CClientCheckRefusedStillMigrates: a server that refuses
// the closed-client check (a platform without POLLRDHUP refuses a value
// other than 0 with invalid_parameter_value, as it refuses -1 here;
// PostgreSQL before 14 has no such setting) migrates gov's schema and the
// job queue's as before, instead of gov failing to open its store. Seen
// failing with the refusal returned as the migration's error.
func TestAttackA14S9CClientCheckRefusedStillMigrates(t *testing.T) {
	for _, refused := range []string{"SET client_connection_check_interval = -1", "SET client_connection_check_intervals = 1000"} {
		saved := checkClient
		checkClient = refused
		func() {
			defer func() { checkClient = saved }()
			ctx := context.Background()
			u := pgtest.NewDatabase(t)
			s, err := OpenPostgres(ctx, u)
			if err != nil {
				t.Fatalf("%s refused: %v, want gov's schema migrated", refused, err)
			}
			defer func() { _ = s.Close() }()
			var v int
			if err := s.pool.QueryRow(ctx, "SELECT max(version) FROM gov_schema_migrations").Scan(&v); err != nil || v != SchemaVersion() {
				t.Fatalf("%s refused: schema version %d (%v), want %d", refused, v, err, SchemaVersion())
			}
			if err := s.MigrateWith(ctx, "queue", func(ctx context.Context, pool *pgxpool.Pool) error {
				_, err := pool.Exec(ctx, "SELECT 1")
				return err
			}); err != nil {
				t.Fatalf("%s refused: the job queue's migration: %v", refused, err)
			}
		}()
	}
}
