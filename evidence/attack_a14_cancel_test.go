package evidence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gov-policy/gov/internal/pgtest"
)

// TestAttackA14LostCancelCommitsNoFailedWrite: another session holds the
// chain's head while a Write waits for it, and the database takes no new
// connection (a network partition, a full connection limit), so the
// cancel request a client sends when it gives up on a statement does not
// reach the server. The Write is reported failed; once the head is free,
// its statement must not commit anyway: a record of a request that was
// answered with an error, and a failed write the chain holds.
func TestAttackA14LostCancelCommitsNoFailedWrite(t *testing.T) {
	u := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, refuse := refusingStore(t, u)
	defer func() { _ = s.Close() }()
	s.writeTimeout = time.Second
	if _, err := s.Write(record("before", t0)); err != nil {
		t.Fatal(err)
	}
	holder, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Close(ctx) }()
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT seq FROM gov_audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	refuse.Store(true)
	if _, err := s.Write(record("reported-failed", t0)); err == nil {
		t.Fatal("Write reported success while the chain's head was locked")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// Wait for any statement of the store still running at the server to
	// end (an abandoned one gets the head now).
	for i := 0; ; i++ {
		var n int
		if err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if i == 1000 {
			t.Fatalf("%d statements still running 10 s after the head was freed", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var n int
	if err := holder.QueryRow(ctx, "SELECT count(*) FROM gov_audit WHERE kind = 'record'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d records, want 1: a Write reported failed was committed once the head was free", n)
	}
	refuse.Store(false)
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// TestAttackA14WriteBoundedByServerLockTimeout: a Write waiting for a
// chain head another session holds goes through the one-statement append
// and then the locked fallback, within one write timeout (below gov
// serve's HTTP write timeout, so that a client gets the store's error,
// not a connection cut). Both waits must be ended by the server's lock
// timeout, not by the client giving up (whose cancel may not land:
// TestAttackA14LostCancelCommitsNoFailedWrite): the Write's error is
// PostgreSQL's lock_not_available.
func TestAttackA14WriteBoundedByServerLockTimeout(t *testing.T) {
	s, release := headLocked(t, 3*time.Second)
	defer release()
	_, err := s.Write(record("locked", t0))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" { // lock_not_available
		t.Fatalf("Write while the head is held: %v, want the server's lock timeout (55P03)", err)
	}
}

// TestAttackA14FailedCommitNotReportedWritten: the one-statement append
// is sent with its Sync at once (pipeline mode), and its implicit
// transaction commits at the Sync, after the statement has answered with
// its count. A commit that fails then (here a deferred constraint trigger
// refusing the record) must fail the Write: a count read before the
// commit's answer is not a stored record.
func TestAttackA14FailedCommitNotReportedWritten(t *testing.T) {
	s, u := openPG(t)
	if _, err := s.Write(record("before", t0)); err != nil {
		t.Fatal(err)
	}
	if err := sql(t, u, `CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF position('refused-at-commit' in convert_from(NEW.body, 'UTF8')) > 0 THEN
				RAISE EXCEPTION 'refused at commit';
			END IF;
			RETURN NULL;
		END $$`,
		`CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON gov_audit
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(record("refused-at-commit", t0)); err == nil {
		t.Fatal("Write reported written although its transaction's commit failed")
	}
	if n := len(contents(t, s, time.Time{})); n != 1 {
		t.Fatalf("%d records, want 1", n)
	}
	if _, err := s.Write(record("after", t0)); err != nil {
		t.Fatal(err)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}
