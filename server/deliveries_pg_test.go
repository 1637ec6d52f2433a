package server

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/pgtest"
)

// pgServer is a server whose audit store is the database url, closed when
// the test ends.
func pgServer(t *testing.T, url string, cfg Config) *Server {
	t.Helper()
	cfg.WebhookSecret, cfg.PolicyRepo, cfg.AuditDir = webhookSecret, "acme/policy", url
	s := newTestServer(t, cfg)
	t.Cleanup(func() { _ = s.db.Close() })
	return s
}

func pushBody(n int) []byte {
	return fmt.Appendf(nil, `{"ref":"refs/heads/main","after":"%040d","repository":{"full_name":"acme/policy"}}`, n)
}

// TestPGDeliveryReplayRefusedAcrossReplicas: two servers share one
// database; a delivery accepted by one is refused by the other, and by a
// server started after it (a restart), by id and by content under a new id.
func TestPGDeliveryReplayRefusedAcrossReplicas(t *testing.T) {
	db := pgtest.NewDatabase(t)
	a, b := pgServer(t, db, Config{}), pgServer(t, db, Config{})
	if code, out := a13Deliver(t, a.Handler(), "push", "d-1", pushBody(1)); code != http.StatusAccepted {
		t.Fatalf("first delivery to replica a: %d %s", code, out)
	}
	restarted := pgServer(t, db, Config{})
	for _, tc := range []struct {
		name string
		s    *Server
		id   string
	}{
		{"same id to replica b", b, "d-1"},
		{"same id after a restart", restarted, "d-1"},
		{"same content under a new id to replica b", b, "d-2"},
	} {
		code, out := a13Deliver(t, tc.s.Handler(), "push", tc.id, pushBody(1))
		if code != http.StatusOK || !strings.Contains(out, `"duplicate"`) {
			t.Errorf("%s: %d %s, want 200 duplicate", tc.name, code, out)
		}
	}
	// A new delivery is still taken, by either replica.
	if code, out := a13Deliver(t, b.Handler(), "push", "d-3", pushBody(3)); code != http.StatusAccepted {
		t.Errorf("a new delivery to replica b: %d %s", code, out)
	}
}

// TestPGDeliveryRaceOneWinner: the same deliveries sent to two replicas at
// once are each accepted exactly once.
func TestPGDeliveryRaceOneWinner(t *testing.T) {
	db := pgtest.NewDatabase(t)
	replicas := []*Server{pgServer(t, db, Config{QueueSize: 100}), pgServer(t, db, Config{QueueSize: 100})}
	const n = 20
	var mu sync.Mutex
	accepted := map[string]int{}
	var wg sync.WaitGroup
	for i := range n {
		for _, s := range replicas {
			wg.Go(func() {
				id := fmt.Sprint("race-", i)
				code, out := a13Deliver(t, s.Handler(), "push", id, pushBody(100+i))
				mu.Lock()
				defer mu.Unlock()
				switch code {
				case http.StatusAccepted:
					accepted[id]++
				case http.StatusOK:
				default:
					t.Errorf("%s: %d %s", id, code, out)
				}
			})
		}
	}
	wg.Wait()
	for i := range n {
		if id := fmt.Sprint("race-", i); accepted[id] != 1 {
			t.Errorf("%s accepted %d times, want once", id, accepted[id])
		}
	}
}

// TestPGDeliveryExpires: a claim older than the delivery TTL is forgotten
// (by the database's clock), so the delivery is taken again.
func TestPGDeliveryExpires(t *testing.T) {
	db := pgtest.NewDatabase(t)
	a, b := pgServer(t, db, Config{DeliveryTTL: 2 * time.Second}), pgServer(t, db, Config{DeliveryTTL: 2 * time.Second})
	began := time.Now()
	if code, out := a13Deliver(t, a.Handler(), "push", "old", pushBody(7)); code != http.StatusAccepted {
		t.Fatalf("first: %d %s", code, out)
	}
	code, out := a13Deliver(t, b.Handler(), "push", "old", pushBody(7))
	if time.Since(began) >= 2*time.Second {
		t.Fatal("the machine is too slow for this test's TTL")
	}
	if code != http.StatusOK {
		t.Fatalf("within the TTL: %d %s, want 200 duplicate", code, out)
	}
	time.Sleep(time.Until(began.Add(2500 * time.Millisecond)))
	if code, out := a13Deliver(t, b.Handler(), "push", "old", pushBody(7)); code != http.StatusAccepted {
		t.Errorf("after the TTL: %d %s, want 202", code, out)
	}
}

// TestDeliveryClaimErrorIs503: when the shared memory cannot take the claim
// (here the audit directory's .deliveries is a file), the webhook is
// answered 503, so that it counts as failed and can be redelivered, not 200
// "duplicate" (a delivery lost) and not 202 (a claim not held).
func TestDeliveryClaimErrorIs503(t *testing.T) {
	audit := t.TempDir()
	if err := os.WriteFile(filepath.Join(audit, deliveriesDir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, PolicyRepo: "acme/policy", AuditDir: audit})
	if code, out := a13Deliver(t, s.Handler(), "push", "d-err", pushBody(9)); code != http.StatusServiceUnavailable {
		t.Errorf("claim error: %d %s, want 503", code, out)
	}
}
