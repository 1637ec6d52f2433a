package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/pgtest"
)

// claimLost is the audit database whose claim statement commits but whose
// answer does not reach gov (a timeout or a dropped connection during the
// commit): the claim stands and gov sees an error.
type claimLost struct {
	*evidence.PGStore
	lose bool
}

func (c *claimLost) ClaimDeliveryAs(key, claim string, ttl time.Duration) (bool, error) {
	isNew, err := c.PGStore.ClaimDeliveryAs(key, claim, ttl)
	if c.lose && err == nil {
		return false, errors.New("the claim's answer was lost")
	}
	return isNew, err
}

// TestAttackA14ClaimErrorLeavesNoClaim: a delivery claim that fails is
// answered 503 so that GitHub redelivers it; when the claim had committed
// all the same, the redelivery was refused as a duplicate and the delivery
// lost. A failed claim must not stand: the redelivery is taken.
func TestAttackA14ClaimErrorLeavesNoClaim(t *testing.T) {
	s, err := evidence.OpenPostgres(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	db := &claimLost{PGStore: s, lose: true}
	p := &pgSeen{db: db, ttl: time.Hour, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if isNew, err := p.add("delivery-1"); err == nil || isNew {
		t.Fatalf("claim whose answer was lost: %v %v, want an error", isNew, err)
	}
	db.lose = false
	if isNew, err := p.add("delivery-1"); err != nil || !isNew {
		t.Fatalf("the redelivery: new %v, %v; want it taken (the failed claim stood)", isNew, err)
	}
	if isNew, err := p.add("delivery-1"); err != nil || isNew {
		t.Fatalf("a replay of the redelivery: new %v, %v; want it refused", isNew, err)
	}
}
