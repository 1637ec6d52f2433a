package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestAttackA14TerminatedBackendsLoseNoAcknowledgedWrite: while concurrent
// Writes are batched, another session keeps terminating the store's
// connections (pg_terminate_backend). Every Write that returns nil has its
// record, byte for byte, at its name; the chain verifies; large and small
// batches alternate over the reused parameter buffer.
func TestAttackA14TerminatedBackendsLoseNoAcknowledgedWrite(t *testing.T) {
	s, url := openPG(t)
	s.writeTimeout = 3 * time.Second
	if _, err := s.Write(record("before", t0)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var kills atomic.Int64
	var killer sync.WaitGroup
	killer.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(3 * time.Millisecond):
			}
			// Not sql: its t.Fatal belongs to the test's goroutine.
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				continue
			}
			if _, err := conn.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`); err == nil {
				kills.Add(1)
			}
			_ = conn.Close(context.Background())
		}
	})
	// Times before 1970, near the end of int64 nanoseconds, in zones
	// other than UTC, on a month's edges.
	times := []time.Time{
		time.Date(1677, 9, 21, 0, 12, 44, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 30, 0, 0, time.FixedZone("X", 3600)),
		time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 30, 0, 0, time.FixedZone("W", -5*3600)),
		time.Date(2016, 12, 31, 23, 59, 59, 0, time.UTC), // the leap second's minute
		t0,
	}
	type result struct {
		id   string
		at   time.Time
		data []byte
		name string
		err  error
	}
	var results []result
	var mu sync.Mutex
	for round := range 20 {
		n := 8
		if round%2 == 0 {
			n = 40
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rec := record(fmt.Sprintf("r%d-%d-%s", round, i, strings.Repeat("ü\u2028", (i*37)%900)), times[(round+i)%len(times)])
				if round%4 == 0 { // a batch past the buffer kept, then small ones
					rec.Request.PatchContent = strings.Repeat(fmt.Sprintf("+line %d %d\n", round, i), 8000)
				}
				name, err := s.Write(rec)
				_, data, _ := stamped(rec)
				mu.Lock()
				results = append(results, result{rec.Request.RequestID, rec.Time, data, name, err})
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	close(stop)
	killer.Wait()
	// The pool may still hold a connection killed last: a read fails
	// once on it.
	stored := map[string][]byte{}
	var bad []error
	var err error
	for range 3 {
		if bad, err = s.WalkRaw(time.Time{}, func(e Entry, rec, _ []byte) error {
			stored[e.Path] = bytes.Clone(rec)
			return nil
		}); err == nil {
			break
		}
	}
	if err != nil || len(bad) > 0 {
		t.Fatalf("walk: %v %v", bad, err)
	}
	ok := 0
	for _, r := range results {
		if r.err != nil {
			continue
		}
		ok++
		got, held := stored[r.name]
		if !held {
			t.Errorf("Write of %s said %s, which the store does not hold", r.id, r.name)
			continue
		}
		sum := sha256.Sum256(r.data)
		if want := s.name + "/" + r.at.UTC().Format("2006/01") + "/" + hex.EncodeToString(sum[:]) + ".json"; r.name != want {
			t.Errorf("record written at %s named %s, want %s", r.at, r.name, want)
		}
		if !bytes.Equal(got, r.data) {
			t.Errorf("record %s stored other bytes than written", r.name)
		}
	}
	rep, err := s.VerifyChain()
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("chain: %+v %v", rep, err)
	}
	t.Logf("%d of %d writes acknowledged, %d kill rounds, %d rows", ok, len(results), kills.Load(), rep.Rows)
}
