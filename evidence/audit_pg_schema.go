package evidence

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgSchema holds the migrations, pgschema/NNNN_name.sql, applied in order.
//
//go:embed pgschema/*.sql
var pgSchema embed.FS

// migrationLock is the advisory lock key gov holds while migrating, so that
// replicas starting together migrate once ("gov" and 1).
const migrationLock = 0x676f7601

// A migration waits migrationLockWait at most for each lock it needs on
// gov's tables (lock_timeout), and tries migrationAttempts times, a
// migrationLockWait apart, before it gives up with an error: while it
// waits for a table's exclusive lock behind a session that reads the
// table (a long gov report, an open transaction), every other session's
// reads and writes of that table queue behind it, so every replica's
// records and webhook claims would stop until that session ends
// (TestPGMigrationWaitBounded).
var (
	migrationLockWait = 2 * time.Second
	migrationAttempts = 10
)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations by version.
func migrations() ([]migration, error) {
	files, err := pgSchema.ReadDir("pgschema")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		num, _, ok := strings.Cut(f.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", f.Name())
		}
		data, err := pgSchema.ReadFile(path.Join("pgschema", f.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, f.Name(), string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion is the schema version this gov creates and reads.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate brings the database's schema to version upTo (0: the latest),
// each migration in its own transaction, under a session advisory lock so
// that processes starting together wait for each other instead of racing.
// A database whose schema is newer than this gov knows is an error: an
// older gov must not write into a schema it does not understand.
func migrate(ctx context.Context, pool *pgxpool.Pool, upTo int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if upTo == 0 {
		upTo = ms[len(ms)-1].version
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	unlock, err := lockMigrations(ctx, conn)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS gov_schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	var have int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM gov_schema_migrations").Scan(&have); err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; have > latest {
		return fmt.Errorf("the database's audit schema is version %d, newer than this gov's %d: upgrade gov", have, latest)
	}
	for _, m := range ms {
		if m.version <= have || m.version > upTo {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

// lockMigrations takes gov's migration lock on conn's session, waiting
// for it whatever the session's default lock_timeout and
// statement_timeout are (SIGTERM still stops the wait): another
// replica holds it while it migrates (up to migrationAttempts), and a wait
// for it queues no other session's use of a table behind it. A replica
// started beside one migrating on a database whose sessions default to a
// short lock_timeout or statement_timeout failed at once
// (TestAttackA14S9BMigrationLockBesideDatabaseLockTimeout). The lock is
// the session's: it outlives the transaction that sets the timeouts for
// the wait, until unlock.
func lockMigrations(ctx context.Context, conn *pgxpool.Conn) (unlock func(), err error) {
	unlock = func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, "SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0")
	if err == nil {
		_, err = tx.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock))
	}
	if err != nil {
		_ = tx.Rollback(ctx)
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// migrationSettings are the settings of a migration's session (gov's own,
// SET LOCAL in its transaction; the job queue's, SET in its pool's
// sessions): each lock waited for migrationLockWait at most, and no
// statement timeout: the database's default one (under the lock wait)
// ended a waiting migration with an error not tried again, and a
// migration's long statement (an index on a large table) is meant
// (TestPGMigrationBesideDatabaseStatementTimeout); ctx still ends it.
func migrationSettings() [][2]string {
	return [][2]string{
		{"lock_timeout", strconv.FormatInt(max(1, migrationLockWait.Milliseconds()), 10)},
		{"statement_timeout", "0"},
	}
}

// setMigrationSettings is the commands that set migrationSettings, with
// set "SET" (for the session) or "SET LOCAL" (for the transaction): SET,
// not set_config, as EXECUTE on set_config may be revoked
// (TestAttackA14DurSetConfigRevoked); the values are this gov's own.
func setMigrationSettings(set string) string {
	var sets []string
	for _, kv := range migrationSettings() {
		sets = append(sets, set+" "+kv[0]+" = "+kv[1])
	}
	return strings.Join(sets, "; ")
}

// applyMigration applies m and records it, in one transaction whose lock
// waits end after migrationLockWait; one that ends so, or in a deadlock,
// is tried again, up to migrationAttempts times.
func applyMigration(ctx context.Context, conn *pgxpool.Conn, m migration) error {
	setWait := setMigrationSettings("SET LOCAL")
	for attempt := 1; ; attempt++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, setWait)
		if err == nil {
			err = checkClientLocal(ctx, tx)
		}
		if err == nil {
			_, err = tx.Exec(ctx, m.sql)
		}
		if err == nil {
			_, err = tx.Exec(ctx, "INSERT INTO gov_schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err == nil {
			return nil
		}
		_ = tx.Rollback(ctx)
		if err := retryMigration(ctx, m.name, attempt, err); err != nil {
			return err
		}
	}
}

// checkClient makes a migration's session check every second whether
// gov's side of the connection has closed: with no statement_timeout, a
// migration statement whose gov was killed (SIGKILL, or SIGTERM to a CLI
// command: no cancel request is sent) ran on to its end, holding its
// tables' exclusive locks and gov's migration lock, since PostgreSQL does
// not otherwise notice a closed client while a statement runs
// (TestAttackA14S9CMigrationKilledEndsServerStatement). A server that
// refuses it (before PostgreSQL 14 it has no such setting; a platform
// without POLLRDHUP refuses a value other than 0) migrates as before
// instead of failing (TestAttackA14S9CClientCheckRefusedStillMigrates
// makes it one the server refuses). A command, not set_config (as
// setWait's).
var checkClient = "SET client_connection_check_interval = 1000"

// checkClientLocal sets checkClient for the rest of tx (SET LOCAL, in a
// savepoint: a refusal leaves tx usable); an error is tx's own.
func checkClientLocal(ctx context.Context, tx pgx.Tx) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := sp.Exec(ctx, strings.Replace(checkClient, "SET", "SET LOCAL", 1)); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			return err
		}
		return sp.Rollback(ctx)
	}
	return sp.Commit(ctx)
}

// retryMigration returns nil, after migrationLockWait, when attempt of
// migration name ended in err because a lock wait timed out or a deadlock
// ended it, and attempts are left; else the error to return.
func retryMigration(ctx context.Context, name string, attempt int, err error) error {
	// A deadlock with another session (a record write holds the head
	// and then reads gov_audit) is as transient as a lock timeout, and
	// PostgreSQL's check for it (deadlock_timeout, 1 s by default)
	// comes first (TestAttackA14S9BMigrationDeadlockRetried).
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code != "55P03" && pgErr.Code != "40P01") { // lock_not_available, deadlock_detected
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if attempt >= migrationAttempts {
		return fmt.Errorf("migration %s: another session holds a lock on a table it changes (%d attempts of %s each; a long gov report or an open transaction?): retry when it ends", name, attempt, migrationLockWait)
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("migration %s: %w", name, ctx.Err())
	case <-time.After(migrationLockWait):
		return nil
	}
}
