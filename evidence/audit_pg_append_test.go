package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

// TestPGAppendEncodingRoundTrips: a batch appended in one statement, its
// parameters encoded by appendParams (not pgx), is stored column for
// column as chained, in order: bodies of every size (empty, one byte,
// around a 64 KiB boundary, over a MiB, every byte value), records and
// evidence (summary NULL), times before 1970; and the chain verifies. It
// calls execAppend itself: appendNew would fall back to insert and hide
// a broken encoding.
func TestPGAppendEncodingRoundTrips(t *testing.T) {
	s, _ := openPG(t)
	if _, err := s.Write(record("first", t0)); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	var rows []pgRow
	for i, size := range []int{0, 1, 255, 256, 65535, 65536, 65537, 1<<20 + 3, 17} {
		body := bytes.Repeat(all, size/256+1)[:size]
		if size > 0 {
			body[size-1] = byte(i) // bodies of one size differ
		}
		sum := sha256.Sum256(body)
		kind, summary := "record", fmt.Sprintf(`{"s":2,"d":"allow","id":"ünïcode-%d"}`, i)
		if i%3 == 1 {
			kind, summary = "evidence", ""
		}
		rows = append(rows, pgRow{kind: kind, digest: hex.EncodeToString(sum[:]), atNs: int64(i-4) * 1e15, body: body, sum: sum, summary: summary})
	}
	s.head.mu.Lock()
	seq, prev := s.head.seq, s.head.hash
	s.head.mu.Unlock()
	out, _, err := chain(rows, seq, prev, map[string][]byte{})
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := s.execAppend(context.Background(), out, seq, prev)
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("appended %d of %d rows: %v", n, len(rows), err)
	}
	q, err := s.pool.Query(context.Background(), `SELECT seq, kind, digest, at_ns, body, summary, prev_hash, hash
		FROM gov_audit WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close() // a failure closes the store, which waits for q's connection
	i := 0
	for q.Next() {
		var gotSeq, atNs int64
		var kind, digest string
		var summary *string
		var body, prevHash, hash []byte
		if err := q.Scan(&gotSeq, &kind, &digest, &atNs, &body, &summary, &prevHash, &hash); err != nil {
			t.Fatal(err)
		}
		if i >= len(rows) {
			t.Fatalf("row %d: more rows than appended", gotSeq)
		}
		wantSummary := out.summary[i]
		if gotSeq != out.seq[i] || kind != out.kind[i] || digest != out.digest[i] || atNs != out.atNs[i] ||
			!bytes.Equal(body, out.body[i]) || len(body) != len(rows[i].body) ||
			(summary == nil) != (wantSummary == nil) || (summary != nil && *summary != *wantSummary) ||
			!bytes.Equal(prevHash, out.prevHash[i]) || !bytes.Equal(hash, out.hash[i]) {
			t.Fatalf("row %d (%d bytes appended) is not what was chained: seq %d kind %s digest %s at %d, %d bytes, summary %v",
				out.seq[i], len(rows[i].body), gotSeq, kind, digest, atNs, len(body), summary)
		}
		i++
	}
	if err := q.Err(); err != nil || i != len(rows) {
		t.Fatalf("%d rows read back of %d: %v", i, len(rows), err)
	}
	// execAppend left the head at the last row; the store's cache learns it.
	s.head.seen(seq, prev, out.seq[len(out.seq)-1], out.hash[len(out.hash)-1])
	r, err := s.VerifyChain()
	if err != nil || len(r.Problems) > 0 || r.Rows != 1+len(rows) {
		t.Fatalf("chain: %+v %v", r, err)
	}
	// The store writes on from there in one statement.
	if _, err := s.Write(record("after", t0)); err != nil {
		t.Fatal(err)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 || r.Rows != 2+len(rows) {
		t.Fatalf("chain after another write: %+v %v", r, err)
	}
}

// TestPGBatchFailsEveryWriter: concurrent Writes gathered into batches
// (one channel per batch) all get their batch's error when it fails: none
// reports a record written that is not committed. Once the database takes
// writes again, every Write that returns nil has its record, and the
// chain verifies.
func TestPGBatchFailsEveryWriter(t *testing.T) {
	s, release := headLocked(t, time.Second)
	writeAll := func(prefix string) []error {
		errs := make([]error, 24)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.Write(record(fmt.Sprintf("%s-%d", prefix, i), t0))
			})
		}
		wg.Wait()
		return errs
	}
	for i, err := range writeAll("locked") {
		if err == nil {
			t.Errorf("Write %d reported success while the chain's head was locked", i)
		}
	}
	release()
	if err := errors.Join(writeAll("free")...); err != nil {
		t.Fatal(err)
	}
	if n := len(contents(t, s, time.Time{})); n != 1+24 {
		t.Fatalf("%d records, want %d (none of those refused)", n, 1+24)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// headLocked opens a store whose writes time out after timeout, writes one
// record, and has another session hold the chain's head (FOR UPDATE in an
// open transaction) until release, which rolls it back.
func headLocked(t *testing.T, timeout time.Duration) (s *PGStore, release func()) {
	t.Helper()
	s, url := openPG(t)
	s.writeTimeout = timeout
	if _, err := s.Write(record("before", t0)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT seq FROM gov_audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	released := false
	t.Cleanup(func() {
		if !released {
			_ = tx.Rollback(ctx)
		}
	})
	return s, func() {
		released = true
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
