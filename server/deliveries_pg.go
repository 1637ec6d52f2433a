package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gov-policy/gov/evidence"
)

// deliveryDB is the audit database's memory of webhook deliveries
// (evidence.PGStore): a unique key per delivery, claimed once across every
// replica sharing the database and kept for a TTL.
type deliveryDB interface {
	ClaimDeliveryAs(key, claim string, ttl time.Duration) (bool, error)
	ForgetDelivery(key string) error
	ForgetDeliveryClaim(key, claim string) error
	ExpireDeliveries(ttl time.Duration) error
}

// The audit database's store is a deliveryDB (Server.New finds it by a type
// assertion: a method missing would quietly leave replicas without a
// shared memory of deliveries).
var _ deliveryDB = (*evidence.PGStore)(nil)

// expireEvery is how often a server removes the expired delivery claims.
const expireEvery = time.Minute

// pgSeen remembers deliveries in the audit database, so that a replay to
// another replica, or after a restart, is refused.
type pgSeen struct {
	db  deliveryDB
	ttl time.Duration
	log *slog.Logger

	mu      sync.Mutex
	expired time.Time // when expired claims were last removed
}

// add claims key in the database. An unreachable database is an error,
// not a claim: the delivery is refused and GitHub redelivers it later. A
// claim that failed may have committed all the same (its answer lost):
// it is dropped, so that the redelivery is not refused as a duplicate
// (TestAttackA14ClaimErrorLeavesNoClaim). Only this attempt's claim is
// dropped, never another replica's claim of the same delivery
// (TestAttackA14ClaimDropKeepsOtherReplicasClaim). A claim still
// committing when the drop runs can stand.
func (p *pgSeen) add(key string) (bool, error) {
	p.expire()
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24)
	claim := hex.EncodeToString(b[:])
	isNew, err := p.db.ClaimDeliveryAs(key, claim, p.ttl)
	if err != nil {
		p.log.Warn("webhook delivery not claimed: audit database", "err", err)
		if err := p.db.ForgetDeliveryClaim(key, claim); err != nil {
			p.log.Warn("webhook delivery claim not dropped: audit database", "err", err)
		}
		return false, err
	}
	return isNew, nil
}

func (p *pgSeen) forget(key string) {
	if err := p.db.ForgetDelivery(key); err != nil {
		p.log.Warn("webhook delivery claim not dropped: audit database", "err", err)
	}
}

// expire removes the expired claims at most every expireEvery; they are
// refused as expired anyway, this only keeps the table small.
func (p *pgSeen) expire() {
	p.mu.Lock()
	due := time.Since(p.expired) >= expireEvery
	if due {
		p.expired = time.Now()
	}
	p.mu.Unlock()
	if due {
		if err := p.db.ExpireDeliveries(p.ttl); err != nil {
			p.log.Warn("expired webhook deliveries not removed", "err", err)
		}
	}
}

// answerSeen answers a delivery that was not claimed: a duplicate (200, not
// to be sent again), or 503 when the shared memory could not be asked, so
// that the delivery counts as failed and can be redelivered.
func (s *Server) answerSeen(answer func(int, string, string), err error, duplicate string) {
	if err != nil {
		answer(http.StatusServiceUnavailable, resultBusy, "cannot check the delivery against those received: redeliver later")
		return
	}
	answer(http.StatusOK, resultDuplicate, duplicate)
}
