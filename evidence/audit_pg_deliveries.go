package evidence

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// gov serve remembers the webhook deliveries it accepted in the database of
// its audit store (gov_webhook_deliveries, migration 3), so that replicas
// sharing it refuse a delivery any of them accepted.

// deliveryTimeout bounds one delivery statement: a webhook is answered
// (refused, then redelivered by GitHub) rather than held while the
// database does not answer.
const deliveryTimeout = 5 * time.Second

// ClaimDeliveryAs claims a delivery key for ttl and reports whether it is
// new: not claimed before, or claimed longer than ttl ago by the
// database's clock. One statement, so two replicas cannot both claim a key.
// An error is not a claim. The claim is named claim (a random value of the
// caller's, one per attempt; "" names none): ForgetDeliveryClaim then drops
// this claim only, when it stood although its answer was lost.
func (s *PGStore) ClaimDeliveryAs(key, claim string, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(s.ctx, deliveryTimeout)
	defer cancel()
	claimed, err := claimDelivery(ctx, s.pool, key, claim, ttl)
	if err != nil {
		return false, s.fail(err)
	}
	return claimed, nil
}

// rowQuerier is a pool, a connection or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ClaimDeliveryTx is ClaimDeliveryAs, naming none, in q, a transaction of the caller's (gov
// serve claims a delivery and stores its job in one): the claim holds only
// if the transaction commits. Its error is not scrubbed (PGStore.Scrub).
func ClaimDeliveryTx(ctx context.Context, q rowQuerier, key string, ttl time.Duration) (bool, error) {
	return claimDelivery(ctx, q, key, "", ttl)
}

// claimDelivery is the claim statement, naming the claim (NULL for ""): a
// claim taken over from an expired one names its own, or none, never the
// expired one's, whose drop would otherwise remove it.
func claimDelivery(ctx context.Context, q rowQuerier, key, claim string, ttl time.Duration) (bool, error) {
	var claimed bool
	err := q.QueryRow(ctx, `INSERT INTO gov_webhook_deliveries AS d (key, claim) VALUES ($1, NULLIF($3, ''))
		ON CONFLICT (key) DO UPDATE SET at = now(), claim = NULLIF($3, '') WHERE d.at < now() - make_interval(secs => $2)
		RETURNING true`, key, ttl.Seconds(), claim).Scan(&claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return claimed, err
}

// ForgetDeliveryClaim drops the claim of key that ClaimDeliveryAs made as
// claim, if it stands; another claim of key (another replica's) stays.
func (s *PGStore) ForgetDeliveryClaim(key, claim string) error {
	ctx, cancel := context.WithTimeout(s.ctx, deliveryTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM gov_webhook_deliveries WHERE key = $1 AND claim = $2", key, claim)
	return s.failIf(err)
}

// ForgetDelivery drops a claim, so that a delivery refused (503) may be
// delivered again.
func (s *PGStore) ForgetDelivery(key string) error {
	ctx, cancel := context.WithTimeout(s.ctx, deliveryTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM gov_webhook_deliveries WHERE key = $1", key)
	return s.failIf(err)
}

// ExpireDeliveries removes the claims older than ttl: the table stays as
// large as the deliveries of one TTL.
func (s *PGStore) ExpireDeliveries(ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(s.ctx, deliveryTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM gov_webhook_deliveries WHERE at < now() - make_interval(secs => $1)", ttl.Seconds())
	return s.failIf(err)
}

// Ping checks that the database answers within timeout (gov serve's
// /readyz: without its audit store every decision fails closed).
func (s *PGStore) Ping(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	return s.failIf(s.pool.Ping(ctx))
}
