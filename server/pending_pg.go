package server

import (
	"context"
	"time"

	"github.com/gov-policy/gov/evidence"
)

// pendingDB is the audit database's list of the PRs waiting for approval
// (evidence.PGStore), shared by every replica.
type pendingDB interface {
	PutPending(ctx context.Context, e evidence.PendingEntry) error
	RemovePending(ctx context.Context, repo string, number int) error
	ListPending(ctx context.Context) ([]evidence.PendingEntry, error)
	SweepPending(ctx context.Context, now time.Time, lease time.Duration, take func(evidence.PendingEntry) (bool, bool)) (bool, error)
}

// pgPending is a PendingStore in the audit database.
type pgPending struct{ db pendingDB }

func (p pgPending) Put(ctx context.Context, pr PendingPR) error {
	return p.db.PutPending(ctx, evidence.PendingEntry(pr))
}

func (p pgPending) Remove(ctx context.Context, repo string, number int) error {
	return p.db.RemovePending(ctx, repo, number)
}

func (p pgPending) List(ctx context.Context) ([]PendingPR, error) {
	es, err := p.db.ListPending(ctx)
	out := make([]PendingPR, len(es))
	for i, e := range es {
		out[i] = PendingPR(e)
	}
	return out, err
}

// lockedSweeper is a PendingStore shared by replicas that sweeps once
// across them (pgPending): take is called for each entry due at now, and
// ran is false when another replica is sweeping.
type lockedSweeper interface {
	sweepDue(ctx context.Context, now time.Time, lease time.Duration, take func(PendingPR) (taken, stop bool)) (ran bool, err error)
}

func (p pgPending) sweepDue(ctx context.Context, now time.Time, lease time.Duration, take func(PendingPR) (bool, bool)) (bool, error) {
	return p.db.SweepPending(ctx, now, lease, func(e evidence.PendingEntry) (bool, bool) { return take(PendingPR(e)) })
}
