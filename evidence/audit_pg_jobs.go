package evidence

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// gov serve keeps its durable job queue in the audit database (server's
// queue_river.go). What it needs of the store is here: a pool of its own
// (jobs hold connections for their PR's lock), a migration step under gov's
// migration lock for the queue's tables, and errors without the password.

// NewPool opens another pool of at most maxConns connections to the
// store's database, with the store's credentials; the caller closes it.
func (s *PGStore) NewPool(ctx context.Context, maxConns int32) (*pgxpool.Pool, error) {
	cfg := s.pool.Config()
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.fail(err)
	}
	return pool, nil
}

// MigrateWith runs step under gov's migration lock (migrate's), so that
// replicas starting together run it one after the other: a schema gov does
// not version itself (the job queue's, whose migrations each need a
// transaction of their own) migrates as safely as gov's own. step gets a
// pool of its own whose sessions wait migrationLockWait at most for each
// lock (lock_timeout), and runs again, up to migrationAttempts times, when
// a lock wait or a deadlock ends it (its migrations applied stay): as for
// gov's tables, an unbounded wait for a table's exclusive lock behind a
// session reading it queued every replica's use of the table behind it
// (TestAttackA14S9BRiverMigrationWaitBounded).
func (s *PGStore) MigrateWith(ctx context.Context, name string, step func(ctx context.Context, pool *pgxpool.Pool) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.fail(err)
	}
	defer conn.Release()
	unlock, err := lockMigrations(ctx, conn)
	if err != nil {
		return s.fail(err)
	}
	defer unlock()
	cfg := s.pool.Config()
	cfg.MaxConns = 2
	// The settings are SET once connected, not sent as run-time
	// parameters with the connection: PgBouncer refuses parameters it does
	// not know (TestPGBehindPgBouncerSessionPool). Its sessions are closed
	// with the pool.
	set := setMigrationSettings("SET")
	afterConnect := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if afterConnect != nil {
			if err := afterConnect(ctx, c); err != nil {
				return err
			}
		}
		if _, err := c.Exec(ctx, set); err != nil {
			return err
		}
		// A server that refuses it migrates as before (checkClient's).
		var pgErr *pgconn.PgError
		if _, err := c.Exec(ctx, checkClient); err != nil && !errors.As(err, &pgErr) {
			return err
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return s.fail(err)
	}
	defer pool.Close()
	for attempt := 1; ; attempt++ {
		err := step(ctx, pool)
		if err == nil {
			return nil
		}
		if err := retryMigration(ctx, name, attempt, err); err != nil {
			return s.fail(err)
		}
	}
}

// Scrub names the store in err and removes its password from err's text.
func (s *PGStore) Scrub(err error) error { return s.failIf(err) }
