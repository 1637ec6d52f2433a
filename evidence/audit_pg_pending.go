package evidence

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// gov serve keeps the pull requests waiting for approval in the database of
// its audit store (gov_pending_approvals, migration 4), so that every
// replica sharing it sees them, and sweeps them once across replicas.

// PendingEntry is a pull request waiting for approval on a stage that
// escalates at Due (gov serve's PendingPR).
type PendingEntry struct {
	Repo         string
	Number       int
	HeadSHA      string
	BaseRef      string
	Due          time.Time
	Installation int64
}

// sweepLock is the advisory lock key of one escalation sweep ("gov" and
// 2): a replica that does not get it skips that sweep.
const sweepLock = 0x676f7602

// PutPending adds e, or replaces the entry of its repository and number.
func (s *PGStore) PutPending(ctx context.Context, e PendingEntry) error {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO gov_pending_approvals (repo_key, number, repo, head_sha, base_ref, due, installation)
		VALUES (lower($1), $2, $1, $3, $4, $5, $6)
		ON CONFLICT (repo_key, number) DO UPDATE SET repo = EXCLUDED.repo, head_sha = EXCLUDED.head_sha,
			base_ref = EXCLUDED.base_ref, due = EXCLUDED.due, installation = EXCLUDED.installation`,
		e.Repo, e.Number, e.HeadSHA, e.BaseRef, e.Due.UTC(), e.Installation)
	return s.failIf(err)
}

// RemovePending drops the entry of repo and number; an unknown one is no error.
func (s *PGStore) RemovePending(ctx context.Context, repo string, number int) error {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM gov_pending_approvals WHERE repo_key = $1 AND number = $2", strings.ToLower(repo), number)
	return s.failIf(err)
}

// ListPending returns every entry, the earliest due first.
func (s *PGStore) ListPending(ctx context.Context) ([]PendingEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, pendingSelect+" ORDER BY due, repo_key, number")
	if err != nil {
		return nil, s.fail(err)
	}
	out, err := pgx.CollectRows(rows, scanPending)
	return out, s.failIf(err)
}

const pendingSelect = "SELECT repo, number, head_sha, base_ref, due, installation FROM gov_pending_approvals"

func scanPending(row pgx.CollectableRow) (PendingEntry, error) {
	var e PendingEntry
	err := row.Scan(&e.Repo, &e.Number, &e.HeadSHA, &e.BaseRef, &e.Due, &e.Installation)
	e.Due = e.Due.UTC()
	return e, err
}

// SweepPending runs one escalation sweep across the replicas: in one
// transaction holding the sweep's advisory lock, it calls take for each
// entry due at now (the earliest first) until take says stop, and moves
// the due time of each entry taken to now+lease, so that a sweep by
// another replica, after this one, does not take it again while its job
// runs (the job's decision then puts or removes the entry; a job that
// fails leaves it to a sweep after the lease). ran is false, and take is
// not called, when another replica holds the lock: that replica sweeps.
func (s *PGStore) SweepPending(ctx context.Context, now time.Time, lease time.Duration, take func(PendingEntry) (taken, stop bool)) (ran bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, s.fail(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", int64(sweepLock)).Scan(&ran); err != nil || !ran {
		return false, s.failIf(err)
	}
	rows, err := tx.Query(ctx, pendingSelect+" WHERE due <= $1 ORDER BY due, repo_key, number FOR UPDATE", now.UTC())
	if err != nil {
		return true, s.fail(err)
	}
	due, err := pgx.CollectRows(rows, scanPending)
	if err != nil {
		return true, s.fail(err)
	}
	for _, e := range due {
		taken, stop := take(e)
		if taken {
			if _, err := tx.Exec(ctx, "UPDATE gov_pending_approvals SET due = $3 WHERE repo_key = lower($1) AND number = $2",
				e.Repo, e.Number, now.Add(lease).UTC()); err != nil {
				return true, s.fail(err)
			}
		}
		if stop {
			break
		}
	}
	return true, s.failIf(tx.Commit(ctx))
}
