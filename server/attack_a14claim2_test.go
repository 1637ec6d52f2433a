package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/pgtest"
)

// TestAttackA14ClaimDropKeepsOtherReplicasClaim: replica B claims a
// delivery and processes it; a replay of it reaches replica A, whose claim
// finds B's (no claim of A's) but whose answer is lost. A's drop of its
// failed claim must not remove B's: a third replay (to any replica) is
// still refused, or the delivery runs twice.
func TestAttackA14ClaimDropKeepsOtherReplicasClaim(t *testing.T) {
	url := pgtest.NewDatabase(t)
	open := func() *evidence.PGStore {
		s, err := evidence.OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := &pgSeen{db: open(), ttl: time.Hour, log: log}
	lost := &claimLost{PGStore: open(), lose: true}
	a := &pgSeen{db: lost, ttl: time.Hour, log: log}
	c := &pgSeen{db: open(), ttl: time.Hour, log: log}
	if isNew, err := b.add("delivery-1"); err != nil || !isNew {
		t.Fatalf("replica B's claim: new %v, %v; want it taken", isNew, err)
	}
	if isNew, err := a.add("delivery-1"); err == nil || isNew {
		t.Fatalf("replica A's claim whose answer was lost: new %v, %v; want an error", isNew, err)
	}
	if isNew, err := c.add("delivery-1"); err != nil || isNew {
		t.Fatalf("a replay to replica C after A's failed claim: new %v, %v; want it refused (A dropped B's claim)", isNew, err)
	}
	// A's own claim that committed with its answer lost is still dropped.
	if isNew, err := a.add("delivery-2"); err == nil || isNew {
		t.Fatalf("replica A's claim of delivery-2: new %v, %v; want an error", isNew, err)
	}
	if isNew, err := c.add("delivery-2"); err != nil || !isNew {
		t.Fatalf("the redelivery of delivery-2: new %v, %v; want it taken (A's failed claim stood)", isNew, err)
	}
}
