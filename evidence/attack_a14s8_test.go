package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/internal/pgtest"
)

// headOutcome is what one attempt on the chain's head did: refused, or
// the head it left (seq, hex hash) inside its transaction.
type headOutcome struct {
	err  error
	head string
}

// tryOnHead runs stmts in a transaction on a connection of its own and
// rolls it back: the database is left as it was.
func tryOnHead(t *testing.T, url string, stmts []string) headOutcome {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return headOutcome{err: err}
		}
	}
	var seq int64
	var hash []byte
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM gov_audit_head").Scan(&seq, &hash); err != nil {
		return headOutcome{err: fmt.Errorf("the head after: %w", err)}
	}
	return headOutcome{head: fmt.Sprintf("%d/%x", seq, hash)}
}

// chainAt opens a database at schema version (0: the latest) holding the
// same three records (the same chain, the same head) and returns its URL.
func chainAt(t *testing.T, version int) string {
	t.Helper()
	u := pgtest.NewDatabase(t)
	s, err := openPostgres(context.Background(), u, version)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	for i := range 3 {
		if _, err := s.Write(record(fmt.Sprintf("s8-%d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// TestAttackA14S8HeadStatementsAsVersion5: migration 6 calls the head's
// trigger only under a WHEN condition and refuses deletes with a trigger
// of its own. Every statement an ordinary session may send at the head
// (updates keeping seq with another hash, NULLs, rounding, UPDATE ...
// FROM, CTEs, INSERT ... ON CONFLICT, MERGE, DELETE, TRUNCATE, PL/pgSQL,
// prepared statements, two updates in one transaction) does on version 6
// nothing that version 5 refused, and leaves the head where version 5
// does; those that do not move it forward are refused.
func TestAttackA14S8HeadStatementsAsVersion5(t *testing.T) {
	v5, v6 := chainAt(t, 5), chainAt(t, 0)
	back := "SELECT seq - 1, hash FROM gov_audit_head"
	refused := [][]string{
		{"UPDATE gov_audit_head SET seq = seq - 1"},
		{"UPDATE gov_audit_head SET seq = seq"},
		{"UPDATE gov_audit_head SET hash = sha256(hash)"},
		{"UPDATE gov_audit_head SET seq = seq, hash = hash"},
		{"UPDATE gov_audit_head SET seq = NULL"},
		{"UPDATE gov_audit_head SET seq = NULL, hash = NULL"},
		{"UPDATE gov_audit_head SET seq = seq - 0.4"},
		{"UPDATE gov_audit_head SET seq = -seq"},
		{"UPDATE gov_audit_head SET seq = 0, hash = decode(repeat('00', 32), 'hex')"},
		{"UPDATE gov_audit_head SET (seq, hash) = (" + back + ")"},
		{"UPDATE gov_audit_head h SET seq = s.seq, hash = s.hash FROM (SELECT seq, hash FROM gov_audit ORDER BY seq DESC OFFSET 1 LIMIT 1) s"},
		{"UPDATE gov_audit_head h SET seq = s.seq FROM gov_audit s WHERE s.seq < h.seq"},
		{"WITH h AS (UPDATE gov_audit_head SET seq = 1 RETURNING seq) SELECT * FROM h"},
		{"WITH h AS (UPDATE gov_audit_head SET hash = sha256(hash) RETURNING 1) INSERT INTO gov_audit_head SELECT true, 0, '\\x00' FROM h"},
		{"WITH a AS (UPDATE gov_audit_head SET seq = seq + 1 RETURNING 1) UPDATE gov_audit_head SET seq = 1"},
		{"INSERT INTO gov_audit_head VALUES (true, 0, '\\x00') ON CONFLICT (one) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash"},
		{"INSERT INTO gov_audit_head VALUES (true, 0, '\\x00') ON CONFLICT (one) DO UPDATE SET hash = EXCLUDED.hash"},
		{"INSERT INTO gov_audit_head VALUES (true, 0, '\\x00') ON CONFLICT (one) DO UPDATE SET seq = gov_audit_head.seq"},
		{"MERGE INTO gov_audit_head h USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE"},
		{"MERGE INTO gov_audit_head h USING (SELECT 1) s ON true WHEN MATCHED THEN UPDATE SET seq = h.seq - 1"},
		{"MERGE INTO gov_audit_head h USING (SELECT 1) s ON true WHEN MATCHED THEN UPDATE SET hash = sha256(h.hash)"},
		{"DELETE FROM gov_audit_head"},
		{"DELETE FROM ONLY gov_audit_head WHERE seq > 0 RETURNING seq"},
		{"WITH d AS (DELETE FROM gov_audit_head RETURNING *) INSERT INTO gov_audit_head SELECT one, seq - 1, hash FROM d"},
		{"TRUNCATE gov_audit_head"},
		{"TRUNCATE gov_audit_head, gov_audit"},
		{"TRUNCATE ONLY gov_audit_head RESTART IDENTITY CASCADE"},
		{"UPDATE gov_audit_head SET one = false"},
		{"UPDATE gov_audit_head SET seq = seq + 1", "UPDATE gov_audit_head SET seq = seq - 1"},
		{"UPDATE gov_audit_head SET seq = seq + 2", "UPDATE gov_audit_head SET seq = seq - 1"},
		{"DO $$ BEGIN UPDATE gov_audit_head SET seq = seq - 1; END $$"},
		{"DO $$ BEGIN DELETE FROM gov_audit_head; END $$"},
		{"PREPARE s8back AS UPDATE gov_audit_head SET seq = $1", "EXECUTE s8back(1)"},
		{"INSERT INTO gov_audit_head VALUES (true, 9, '\\x00')"},
		{"INSERT INTO gov_audit_head VALUES (false, 9, '\\x00')"},
	}
	// Allowed by version 5 already (forward moves; no-ops): version 6
	// must leave the same head, refusing them is stricter and fine.
	same := [][]string{
		{"UPDATE gov_audit_head SET seq = seq + 1"},
		{"UPDATE gov_audit_head SET seq = seq + 1, hash = sha256(hash)"},
		{"UPDATE gov_audit_head SET seq = seq + 0.6"},
		{"UPDATE gov_audit_head SET seq = 9223372036854775807"},
		{"UPDATE gov_audit_head SET seq = seq - 1 WHERE false"},
		{"INSERT INTO gov_audit_head VALUES (true, 0, '\\x00') ON CONFLICT DO NOTHING"},
		{"INSERT INTO gov_audit_head VALUES (true, 0, '\\x00') ON CONFLICT (one) DO UPDATE SET seq = gov_audit_head.seq + 1"},
		{"DELETE FROM gov_audit_head WHERE false"},
		{"SELECT * FROM gov_audit_head FOR UPDATE"},
	}
	for _, stmts := range append(refused, same...) {
		name := strings.Join(stmts, "; ")
		old, now := tryOnHead(t, v5, stmts), tryOnHead(t, v6, stmts)
		if now.err == nil && (old.err != nil || old.head != now.head) {
			t.Errorf("%s: version 6 left the head at %s, version 5 %s (%v)", name, now.head, old.head, old.err)
		}
	}
	for _, stmts := range refused {
		if got := tryOnHead(t, v6, stmts); got.err == nil {
			t.Errorf("%s: accepted on version 6, head %s", strings.Join(stmts, "; "), got.head)
		}
	}
}

// TestAttackA14S8HeadRaceBehindForwardMove: the WHEN condition of the
// head's trigger is checked on the row a waiting update finally changes,
// not on the one it first read. A session holds the head moved forward by
// ten; another, waiting for it, sets a number between the two (forward of
// what it read, behind what it will change): refused once the first
// commits, through UPDATE and INSERT ... ON CONFLICT, and the head stays
// where the first left it.
func TestAttackA14S8HeadRaceBehindForwardMove(t *testing.T) {
	url := chainAt(t, 0)
	ctx := context.Background()
	for _, stmt := range []string{
		"UPDATE gov_audit_head SET seq = $1",
		"UPDATE gov_audit_head SET seq = $1, hash = sha256(hash)",
		"INSERT INTO gov_audit_head VALUES (true, $1, '\\x00') ON CONFLICT (one) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
	} {
		t.Run(stmt, func(t *testing.T) {
			first, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = first.Close(ctx) }()
			second, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = second.Close(ctx) }()
			var seq int64
			if err := first.QueryRow(ctx, "SELECT seq FROM gov_audit_head").Scan(&seq); err != nil {
				t.Fatal(err)
			}
			tx, err := first.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			if _, err := tx.Exec(ctx, "UPDATE gov_audit_head SET seq = seq + 10"); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := second.Exec(ctx, stmt, seq+5)
				done <- err
			}()
			pgtest.WaitForLockWaiter(t, url)
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err == nil || !strings.Contains(err.Error(), "only moves forward") {
				t.Errorf("head moved back from %d to %d by a waiting session: %v", seq+10, seq+5, err)
			}
			var now int64
			if err := first.QueryRow(ctx, "SELECT seq FROM gov_audit_head").Scan(&now); err != nil {
				t.Fatal(err)
			}
			if now != seq+10 {
				t.Errorf("head at %d, want %d", now, seq+10)
			}
		})
	}
}

// TestAttackA14S8FailedMigrationKeepsHeadGuarded: migration 6 drops the
// head's trigger and creates two; when it fails (here a trigger of its
// name is there already) nothing of it stays: the database is left at
// version 5, gov refuses to open it, and the head is still guarded
// against moving back and deletion. Then, the obstacle removed, the
// upgrade runs and guards the head.
func TestAttackA14S8FailedMigrationKeepsHeadGuarded(t *testing.T) {
	url := chainAt(t, 5)
	if err := sql(t, url, `CREATE TRIGGER gov_audit_head_no_delete AFTER INSERT ON gov_audit_head
		FOR EACH ROW EXECUTE FUNCTION gov_audit_head_forward_only()`); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenPostgres(context.Background(), url); err == nil {
		_ = s.Close()
		t.Fatal("opened a database whose migration 6 failed")
	}
	if vs := versions(t, url); !reflect.DeepEqual(vs, seq(5)) {
		t.Fatalf("versions %v after a failed migration, want %v", vs, seq(5))
	}
	guarded := func(when string) {
		for _, stmt := range []string{
			"UPDATE gov_audit_head SET seq = seq - 1",
			"UPDATE gov_audit_head SET hash = sha256(hash)",
			"DELETE FROM gov_audit_head",
			"TRUNCATE gov_audit_head",
		} {
			if got := tryOnHead(t, url, []string{stmt}); got.err == nil || !strings.Contains(got.err.Error(), "only moves forward") {
				t.Errorf("%s: %s: %v, head %s; want it refused", when, stmt, got.err, got.head)
			}
		}
	}
	guarded("after the failed migration")
	if err := sql(t, url, "DROP TRIGGER gov_audit_head_no_delete ON gov_audit_head"); err != nil {
		t.Fatal(err)
	}
	s, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	guarded("after the upgrade")
	if _, err := s.Write(record("s8-after", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 || r.Rows != 4 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// TestAttackA14S8MigrateWhileWriting: replicas on version 5 keep writing
// while three gov processes of version 6 open the database at once (a
// rolling upgrade): every write acknowledged on either side is stored
// byte for byte, the chain verifies, and the head carries exactly the
// triggers of version 6, each once.
func TestAttackA14S8MigrateWhileWriting(t *testing.T) {
	url := chainAt(t, 5)
	ctx := context.Background()
	old, err := openPostgres(ctx, url, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = old.Close() }()
	type written struct {
		name string
		data []byte
	}
	var mu sync.Mutex
	var acked []written
	write := func(s *PGStore, id string) {
		rec := record(id, t0.Add(time.Minute))
		name, err := s.Write(rec)
		if err != nil {
			return
		}
		_, data, _ := stamped(rec)
		mu.Lock()
		acked = append(acked, written{name, data})
		mu.Unlock()
	}
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				write(old, fmt.Sprintf("old-%d-%d", w, i))
			}
		})
	}
	stores := make([]*PGStore, 3)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = OpenPostgres(ctx, url) })
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			defer func() { _ = s.Close() }()
		}
	}
	if err := errors.Join(errs...); err != nil {
		close(stop)
		writers.Wait()
		t.Fatal(err)
	}
	for i := range 20 {
		wg.Go(func() { write(stores[i%len(stores)], fmt.Sprintf("new-%d", i)) })
	}
	wg.Wait()
	close(stop)
	writers.Wait()
	stored := map[string][]byte{}
	if bad, err := stores[0].WalkRaw(time.Time{}, func(e Entry, rec, _ []byte) error {
		stored[e.Path] = bytes.Clone(rec)
		return nil
	}); err != nil || len(bad) > 0 {
		t.Fatalf("walk: %v %v", bad, err)
	}
	for _, w := range acked {
		if !bytes.Equal(stored[w.name], w.data) {
			t.Errorf("acknowledged %s: stored %d bytes, want %d", w.name, len(stored[w.name]), len(w.data))
		}
	}
	if r, err := stores[0].VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
	rows, _ := stores[0].pool.Query(ctx, `SELECT tgname || ':' || pg_get_triggerdef(oid) FROM pg_trigger
		WHERE tgrelid = 'gov_audit_head'::regclass AND NOT tgisinternal AND tgenabled = 'O' ORDER BY tgname`)
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range defs {
		name, _, _ := strings.Cut(d, ":")
		names = append(names, name)
	}
	if want := []string{"gov_audit_head_forward_only", "gov_audit_head_no_delete", "gov_audit_head_no_truncate"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("triggers on the head: %q, want %q", defs, want)
	}
	t.Logf("%d writes acknowledged", len(acked))
}

// TestAttackA14S8RowsAroundInlineLimit: rows are now kept uncompressed in
// the table up to 8160 bytes and compressed or moved out of line above.
// Records and evidence whose rows fall on either side of that limit, and
// far above it, compressible and not, read back byte for byte as the
// directory store holds them, count in the summaries, and the chain
// verifies; both ways of storing them are exercised.
func TestAttackA14S8RowsAroundInlineLimit(t *testing.T) {
	dir := Store{Dir: t.TempDir()}
	pg, _ := openPG(t)
	noise := make([]byte, 40000)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	var items []RawRecord
	i := 0
	for _, size := range []int{1900, 2100, 7600, 7800, 7900, 7950, 8000, 8050, 8100, 8150, 8200, 8400, 9000, 30000} {
		for _, random := range []bool{false, true} {
			rec := record(fmt.Sprintf("s8-size-%d-%v", size, random), t0.Add(time.Duration(i)*time.Second))
			i++
			base, err := Encode(rec)
			if err != nil {
				t.Fatal(err)
			}
			fill := max(0, size-len(base))
			if random {
				rec.Request.PatchContent += hex.EncodeToString(noise)[:fill]
			} else {
				rec.Request.PatchContent += strings.Repeat("+x\n", fill/3+1)[:fill]
			}
			data, err := Encode(rec)
			if err != nil {
				t.Fatal(err)
			}
			it := RawRecord{Record: data}
			if i%3 == 0 {
				it.Bundle = []byte(hex.EncodeToString(noise)[:size])
			}
			items = append(items, it)
		}
	}
	for _, s := range []AuditStore{dir, pg} {
		if n, err := s.Import(items); err != nil || n != len(items) {
			t.Fatalf("%s: import: %d %v", s, n, err)
		}
	}
	// The same records again, written one by one and concurrently.
	var wg sync.WaitGroup
	errs := make([]error, len(items))
	for i, it := range items {
		wg.Go(func() {
			rec, err := decodeRecord("item", it.Record)
			if err == nil {
				_, err = pg.Write(rec)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got, want := contents(t, pg, time.Time{}), contents(t, dir, time.Time{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("%d records read back, other than the %d of the directory store", len(got), len(want))
	}
	var inline, squeezed int
	rows, _ := pg.pool.Query(context.Background(), "SELECT octet_length(body), pg_column_size(body) FROM gov_audit")
	sizes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Length, Stored int }])
	if err != nil {
		t.Fatal(err)
	}
	for _, sz := range sizes {
		switch {
		case sz.Length > 2100 && sz.Stored >= sz.Length:
			inline++
		case sz.Stored < sz.Length:
			squeezed++
		}
	}
	if inline == 0 || squeezed == 0 {
		t.Fatalf("%d rows over 2 KB stored as they are, %d compressed: want both", inline, squeezed)
	}
	count := 0
	if err := pg.Summaries(time.Time{}, time.Time{}, func(g SummaryGroup) error { count += g.Count; return nil }); err != nil || count != len(items) {
		t.Fatalf("summaries count %d records, want %d: %v", count, len(items), err)
	}
	if r, err := pg.VerifyChain(); err != nil || len(r.Problems) > 0 || r.Rows != len(sizes) {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// TestAttackA14S8BatchesWhileDatabaseRefuses: more concurrent writers
// than a batch holds (the batcher now yields before taking a batch that
// others joined), records small and large, while the database refuses
// every other moment (a trigger of the test's own, switched by another
// session): every Write returns; one that returns nil has its record,
// byte for byte, at its name; one that returns an error has none; the
// chain verifies.
func TestAttackA14S8BatchesWhileDatabaseRefuses(t *testing.T) {
	s, url := openPG(t)
	s.writeTimeout = 3 * time.Second
	if err := sql(t, url, "CREATE TABLE s8_refuse (on_ boolean NOT NULL)", "INSERT INTO s8_refuse VALUES (false)",
		`CREATE FUNCTION s8_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF (SELECT on_ FROM s8_refuse) THEN RAISE EXCEPTION 's8: refused'; END IF;
			RETURN NEW;
		END $$`,
		"CREATE TRIGGER s8_refuse BEFORE INSERT ON gov_audit FOR EACH ROW EXECUTE FUNCTION s8_refuse()"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var toggler sync.WaitGroup
	toggler.Go(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			return
		}
		defer func() { _ = conn.Close(context.Background()) }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(7 * time.Millisecond):
			}
			_, _ = conn.Exec(context.Background(), "UPDATE s8_refuse SET on_ = NOT on_")
		}
	})
	type result struct {
		name string
		data []byte
		err  error
	}
	results := make([]result, 3*maxBatch+7)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			rec := record(fmt.Sprintf("s8-batch-%d", i), t0.Add(time.Duration(i)*time.Millisecond))
			if i%50 == 0 {
				rec.Request.PatchContent = strings.Repeat(fmt.Sprintf("+line %d\n", i), 5000)
			}
			_, data, _ := stamped(rec)
			name, err := s.Write(rec)
			results[i] = result{name, data, err}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("writes still waiting after 60s")
	}
	close(stop)
	toggler.Wait()
	if err := sql(t, url, "DROP TRIGGER s8_refuse ON gov_audit"); err != nil {
		t.Fatal(err)
	}
	stored := map[string][]byte{}
	if bad, err := s.WalkRaw(time.Time{}, func(e Entry, rec, _ []byte) error {
		stored[e.Path] = bytes.Clone(rec)
		return nil
	}); err != nil || len(bad) > 0 {
		t.Fatalf("walk: %v %v", bad, err)
	}
	ok := 0
	for i, r := range results {
		if r.err != nil {
			if !strings.Contains(r.err.Error(), "s8: refused") && !strings.Contains(r.err.Error(), "timeout") {
				t.Errorf("write %d: %v, not the database's refusal", i, r.err)
			}
			for name, data := range stored {
				if bytes.Equal(data, r.data) {
					t.Errorf("write %d failed (%v) and its record is stored at %s", i, r.err, name)
				}
			}
			continue
		}
		ok++
		if !bytes.Equal(stored[r.name], r.data) {
			t.Errorf("write %d acknowledged at %s, which holds %d bytes, want %d", i, r.name, len(stored[r.name]), len(r.data))
		}
	}
	if ok != len(stored) {
		t.Errorf("%d records stored, %d writes acknowledged", len(stored), ok)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
	t.Logf("%d of %d writes acknowledged", ok, len(results))
}

// TestAttackA14S8BatchBoundaries: a batch takes rows up to maxBatch and
// bodies up to maxBatchBytes, both inclusive, and no more; a body larger
// than maxBatchBytes goes alone; rows keep their order across batches.
// (The batcher's gather yields only before taking a batch; what a batch
// holds is decided here.)
func TestAttackA14S8BatchBoundaries(t *testing.T) {
	var b writeBatcher
	row := func(id, size int) pgRow { return pgRow{digest: fmt.Sprint(id), body: make([]byte, size)} }
	var want [][]int
	add := func(batch int, id, size int) {
		if b.enqueue(row(id, size)) != b.queue[batch] {
			t.Fatalf("row %d (%d bytes) not in batch %d", id, size, batch)
		}
		for len(want) <= batch {
			want = append(want, nil)
		}
		want[batch] = append(want[batch], id)
	}
	add(0, 0, maxBatchBytes-10)
	add(0, 1, 10)              // exactly full in bytes
	add(1, 2, 1)               // one byte over: the next batch
	add(2, 3, maxBatchBytes+1) // larger than a batch: alone
	add(3, 4, 0)
	for i := range maxBatch - 1 {
		add(3, 5+i, 0) // exactly full in rows
	}
	add(4, 5+maxBatch, 0)
	add(4, 6+maxBatch, maxBatchBytes-1)
	add(5, 7+maxBatch, 2)
	var got [][]int
	for _, batch := range b.queue {
		var ids []int
		for _, r := range batch.rows {
			var id int
			_, _ = fmt.Sscan(r.digest, &id)
			ids = append(ids, id)
		}
		got = append(got, ids)
		sum := 0
		for _, r := range batch.rows {
			sum += len(r.body)
		}
		if sum != batch.bytes || (len(batch.rows) > 1 && sum > maxBatchBytes) || len(batch.rows) > maxBatch {
			t.Errorf("a batch of %d rows counts %d bytes, holds %d", len(batch.rows), batch.bytes, sum)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %v, want %v", got, want)
	}
}

// TestAttackA14S8LargeBatchesSplit: concurrent writes whose records
// together pass maxBatchBytes, with small ones among them, all commit and
// read back byte for byte.
func TestAttackA14S8LargeBatchesSplit(t *testing.T) {
	s, _ := openPG(t)
	sizes := []int{maxBatchBytes / 3, maxBatchBytes / 3, maxBatchBytes/3 + 1024, 100, 200, 300, 9000}
	type result struct {
		name string
		data []byte
		err  error
	}
	results := make([]result, len(sizes))
	var wg sync.WaitGroup
	for i, size := range sizes {
		wg.Go(func() {
			rec := record(fmt.Sprintf("s8-large-%d", i), t0.Add(time.Duration(i)*time.Second))
			rec.Request.PatchContent = strings.Repeat(string(rune('a'+i)), size)
			_, data, _ := stamped(rec)
			name, err := s.Write(rec)
			results[i] = result{name, data, err}
		})
	}
	wg.Wait()
	stored := map[string][]byte{}
	if bad, err := s.WalkRaw(time.Time{}, func(e Entry, rec, _ []byte) error {
		stored[e.Path] = bytes.Clone(rec)
		return nil
	}); err != nil || len(bad) > 0 {
		t.Fatalf("walk: %v %v", bad, err)
	}
	for i, r := range results {
		if r.err != nil || !bytes.Equal(stored[r.name], r.data) {
			t.Errorf("write %d (%d bytes): %v; stored %d bytes", i, len(r.data), r.err, len(stored[r.name]))
		}
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 || r.Rows != len(sizes) {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// TestAttackA14S8StoredRowEditsFound: rows are now kept as they are in
// the table (up to 8160 bytes) instead of compressed, and larger ones
// still out of line. An edit made round the triggers (a superuser in
// replica mode) to a record's bytes in place, its summary, its evidence,
// or a large record's bytes, and a row deleted among them, is each found
// by the chain's verification.
func TestAttackA14S8StoredRowEditsFound(t *testing.T) {
	small, large := "kind = 'record' AND octet_length(body) < 8000", "kind = 'record' AND octet_length(body) > 20000"
	for _, edit := range []string{
		"UPDATE gov_audit SET body = overlay(body PLACING '~' FROM 200 FOR 1) WHERE " + small,
		"UPDATE gov_audit SET body = overlay(body PLACING '~' FROM 20000 FOR 1) WHERE " + large,
		"UPDATE gov_audit SET summary = replace(summary, '\"d\":\"deny\"', '\"d\":\"allow\"') WHERE " + small,
		"UPDATE gov_audit SET body = body || ' ' WHERE kind = 'evidence'",
		"DELETE FROM gov_audit WHERE seq = 3",
		"UPDATE gov_audit SET at_ns = at_ns + 1 WHERE " + small,
	} {
		t.Run(edit, func(t *testing.T) {
			s, url := openPG(t)
			var items []RawRecord
			for i, size := range []int{3000, 6000, 30000} {
				rec := record(fmt.Sprintf("s8-edit-%d", i), t0.Add(time.Duration(i)*time.Second))
				rec.Request.PatchContent = strings.Repeat(fmt.Sprintf("+line %d\n", i), size/8)
				data, err := Encode(rec)
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, RawRecord{Record: data, Bundle: []byte(fmt.Sprintf(`{"evidence": %d}`, i))})
			}
			if _, err := s.Import(items[:1]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Import(items[1:]); err != nil {
				t.Fatal(err)
			}
			if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
				t.Fatalf("chain before: %+v %v", r, err)
			}
			var changed int64
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close(ctx) }()
			if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
				t.Fatal(err)
			}
			var before string
			if err := conn.QueryRow(ctx, "SELECT md5(string_agg(gov_audit::text, ',' ORDER BY seq)) FROM gov_audit").Scan(&before); err != nil {
				t.Fatal(err)
			}
			tag, err := conn.Exec(ctx, edit)
			if changed = tag.RowsAffected(); err != nil || changed == 0 {
				t.Fatalf("%s: %d rows, %v", edit, changed, err)
			}
			var after string
			if err := conn.QueryRow(ctx, "SELECT md5(string_agg(gov_audit::text, ',' ORDER BY seq)) FROM gov_audit").Scan(&after); err != nil || after == before {
				t.Fatalf("%s changed nothing: %v", edit, err)
			}
			r, err := s.VerifyChain()
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) == 0 {
				t.Errorf("%s: the chain verifies: %+v", edit, r)
			}
		})
	}
}

// TestAttackA14S8RowInPrunedGapVerifies: after gov audit prune removed
// the oldest rows, a session that may only insert (what gov's own role
// does) adds a forged record at a sequence number the prune removed,
// chained to the row before it (the chain's hash has no key, and the
// prune row tells the removed rows' hashes). The head does not move, so
// noting it elsewhere does not help; the chain went on verifying while
// gov audit log listed the forged record. A row where a prune says it
// removed one is now a problem.
func TestAttackA14S8RowInPrunedGapVerifies(t *testing.T) {
	s, url := openPG(t)
	for i := range 4 {
		if _, err := s.Write(record(fmt.Sprintf("s8-gap-%d", i), t0.Add(time.Duration(i)*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if removed, err := s.Prune(t0.Add(36 * time.Hour)); err != nil || len(removed) != 2 {
		t.Fatalf("prune: %v %v", removed, err)
	}
	before, err := s.VerifyChain()
	if err != nil || len(before.Problems) > 0 || before.Pruned != 2 {
		t.Fatalf("chain after the prune: %+v %v", before, err)
	}
	forged := record("s8-forged", t0.Add(2*time.Hour))
	forged.Decision.Decision = "allow"
	forged.Findings = nil
	_, data, err := stamped(forged)
	if err != nil {
		t.Fatal(err)
	}
	row, err := recordRow(data, forged)
	if err != nil {
		t.Fatal(err)
	}
	prev := make([]byte, 32)
	hash := chainHash(prev, 1, row.kind, row.digest, row.atNs, row.sum[:], row.summary)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `INSERT INTO gov_audit (seq, kind, digest, at_ns, body, summary, prev_hash, hash)
		VALUES (1, 'record', $1, $2, $3, $4, $5, $6)`, row.digest, row.atNs, row.body, row.summary, prev, hash); err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, e := range mustList(t, s) {
		listed = listed || strings.Contains(e.Path, row.digest)
	}
	r, err := s.VerifyChain()
	if err != nil {
		t.Fatal(err)
	}
	if r.Head != before.Head {
		t.Fatalf("the head moved: %s, was %s", r.Head, before.Head)
	}
	if len(r.Problems) == 0 {
		t.Fatalf("a forged record (listed: %v) inserted where the prune removed row 1 and the chain verifies: %+v", listed, r)
	}
	t.Logf("problems: %q", r.Problems)
}

func mustList(t *testing.T, s *PGStore) []Entry {
	t.Helper()
	es, bad := s.List(time.Time{})
	if len(bad) > 0 {
		t.Fatal(bad)
	}
	return es
}
