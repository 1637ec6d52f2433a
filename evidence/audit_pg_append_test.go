package evidence

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestPGAppendFromStaleHead: a store whose idea of the chain's head is
// stale (another store, a replica, wrote since; or the head it remembers
// is not the database's at all) appends nothing from it: its records go in
// after the real head, and the chain verifies.
func TestPGAppendFromStaleHead(t *testing.T) {
	a, u := openPG(t)
	b, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	write := func(s *PGStore, id string) {
		t.Helper()
		if _, err := s.Write(record(id, t0)); err != nil {
			t.Fatal(err)
		}
	}
	// fast says that a's next write appends in one statement from the
	// head it remembers: what the case is about.
	fast := func() {
		t.Helper()
		a.head.mu.Lock()
		defer a.head.mu.Unlock()
		if !a.head.known || a.head.contended {
			t.Fatalf("a's next write would lock the head (known %v, contended %v)", a.head.known, a.head.contended)
		}
	}
	write(a, "a-1")
	write(a, "a-2")
	fast()
	write(b, "b-1") // the head moves under a
	write(a, "a-3")
	write(a, "a-4") // a finds the head where it left it again
	fast()
	// A head with the right number and another hash: a forked chain if
	// the statement trusted the number alone.
	a.head.mu.Lock()
	a.head.hash = make([]byte, 32)
	a.head.mu.Unlock()
	write(a, "a-5")
	write(a, "a-6")
	fast()
	// A head behind the real one: rows numbered as those already there.
	a.head.mu.Lock()
	a.head.seq -= 2
	a.head.mu.Unlock()
	write(a, "a-7")
	r, err := a.VerifyChain()
	if err != nil || len(r.Problems) > 0 || r.Rows != 8 {
		t.Fatalf("chain: %+v %v", r, err)
	}
	if n := len(contents(t, a, time.Time{})); n != 8 {
		t.Fatalf("%d records, want 8", n)
	}
}

// TestPGWriteHeldRecordAgain: writing a record the store holds (the
// one-statement append fails on it) is no error and adds no row.
func TestPGWriteHeldRecordAgain(t *testing.T) {
	s, _ := openPG(t)
	rec := record("again", t0)
	for range 3 {
		if _, err := s.Write(rec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Write(record(fmt.Sprintf("other-%d", time.Now().UnixNano()), t0)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.VerifyChain()
	if err != nil || len(r.Problems) > 0 || r.Rows != 4 {
		t.Fatalf("chain: %+v %v, want 4 rows", r, err)
	}
}

// TestPGStoresWriteTogether: three stores on one database (replicas), each
// with concurrent writers, lose no record and keep one chain.
func TestPGStoresWriteTogether(t *testing.T) {
	first, u := openPG(t)
	stores := []*PGStore{first}
	for range 2 {
		s, err := OpenPostgres(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close() }()
		stores = append(stores, s)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores)*8)
	for i, s := range stores {
		for w := range 8 {
			wg.Go(func() {
				for n := range 40 {
					if _, err := s.Write(record(fmt.Sprintf("s%d-w%d-%d", i, w, n), t0)); err != nil {
						errs[i*8+w] = err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := len(contents(t, first, time.Time{})); n != len(errs)*40 {
		t.Fatalf("%d records, want %d", n, len(errs)*40)
	}
	r, err := first.VerifyChain()
	if err != nil || len(r.Problems) > 0 || r.Rows != len(errs)*40 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}
