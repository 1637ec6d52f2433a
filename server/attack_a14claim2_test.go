package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
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

// contentClaimLost loses the answer of content claims only (keys
// "sha256:…"): the id claim succeeds, the content claim commits but gov
// sees an error.
type contentClaimLost struct {
	*evidence.PGStore
	lose bool
}

func (c *contentClaimLost) ClaimDeliveryAs(key, claim string, ttl time.Duration) (bool, error) {
	isNew, err := c.PGStore.ClaimDeliveryAs(key, claim, ttl)
	if c.lose && err == nil && strings.HasPrefix(key, "sha256:") {
		return false, errors.New("the claim's answer was lost")
	}
	return isNew, err
}

// TestAttackA14ClaimContentLostAfterIDClaim: the id claim of a delivery
// succeeds and its content claim fails (committed, answer lost). The
// webhook is answered 503, and neither claim stands: GitHub's redelivery
// (same id, same body) is taken once, and a replay of it afterwards, by id
// or by content under another id, to this or another replica, is refused.
func TestAttackA14ClaimContentLostAfterIDClaim(t *testing.T) {
	db := pgtest.NewDatabase(t)
	a, b := pgServer(t, db, Config{}), pgServer(t, db, Config{})
	lost := &contentClaimLost{PGStore: a.db.(*evidence.PGStore), lose: true}
	a.seen.disk = &pgSeen{db: lost, ttl: a.cfg.DeliveryTTL, log: a.log}
	if code, out := a13Deliver(t, a.Handler(), "push", "d-1", pushBody(1)); code != http.StatusServiceUnavailable {
		t.Fatalf("content claim lost: %d %s, want 503", code, out)
	}
	lost.lose = false
	if code, out := a13Deliver(t, b.Handler(), "push", "d-1", pushBody(1)); code != http.StatusAccepted {
		t.Fatalf("GitHub's redelivery to replica b: %d %s, want 202 (a failed claim stood)", code, out)
	}
	for _, tc := range []struct {
		name string
		s    *Server
		id   string
	}{
		{"same id to replica a", a, "d-1"},
		{"same content under a new id to replica a", a, "d-2"},
		{"same id to replica b", b, "d-1"},
	} {
		if code, out := a13Deliver(t, tc.s.Handler(), "push", tc.id, pushBody(1)); code != http.StatusOK || !strings.Contains(out, `"duplicate"`) {
			t.Errorf("%s: %d %s, want 200 duplicate", tc.name, code, out)
		}
	}
}

// TestAttackA14ClaimExpiredTakeoverKeepsNoOldName: a claim that expired is
// taken over by another (the durable queue's, which names none); a late
// drop of the expired claim's attempt must not remove the new claim, or the
// delivery could be taken again.
func TestAttackA14ClaimExpiredTakeoverKeepsNoOldName(t *testing.T) {
	s, err := evidence.OpenPostgres(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if isNew, err := s.ClaimDeliveryAs("delivery-1", "attempt-a", time.Hour); err != nil || !isNew {
		t.Fatalf("first claim: %v %v", isNew, err)
	}
	time.Sleep(10 * time.Millisecond)
	if isNew, err := s.ClaimDeliveryAs("delivery-1", "", time.Millisecond); err != nil || !isNew {
		t.Fatalf("taking over the expired claim: %v %v", isNew, err)
	}
	if err := s.ForgetDeliveryClaim("delivery-1", "attempt-a"); err != nil {
		t.Fatal(err)
	}
	if isNew, err := s.ClaimDeliveryAs("delivery-1", "", time.Hour); err != nil || isNew {
		t.Fatalf("after a late drop of the expired attempt: new %v, %v; want the claim that took over kept", isNew, err)
	}
}
