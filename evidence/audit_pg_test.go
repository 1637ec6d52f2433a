package evidence

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/internal/pgtest"
)

// The evidence tests share one PostgreSQL (a throwaway cluster unless
// GOV_TEST_DATABASE_URL names one); each test has its own database.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openPG opens a PostgreSQL store on a new database.
func openPG(t *testing.T) (*PGStore, string) {
	t.Helper()
	u := pgtest.NewDatabase(t)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, u
}

// sql runs statements on the database as the test's (super)user.
func sql(t *testing.T, url string, stmts ...string) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// fill writes the same records, some with evidence, into both stores.
func fill(t *testing.T, stores ...AuditStore) {
	t.Helper()
	var items []RawRecord
	for i := range 12 {
		data, err := Encode(record(fmt.Sprintf("req-%02d", i), t0.Add(time.Duration(i%5)*40*24*time.Hour+time.Duration(i)*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		it := RawRecord{Record: data}
		if i%3 == 0 {
			it.Bundle = fmt.Appendf(nil, "{\"evidence\": %d}\n", i)
		}
		items = append(items, it)
	}
	for _, s := range stores {
		if n, err := s.Import(items); err != nil || n != len(items) {
			t.Fatalf("%s: import: %d added, %v", s, n, err)
		}
	}
}

type listed struct {
	Entry
	Record, Bundle string
}

// contents lists a store's records with their bytes and evidence, the
// store's name replaced by STORE.
func contents(t *testing.T, s AuditStore, since time.Time) []listed {
	t.Helper()
	var out []listed
	bad, err := s.WalkRaw(since, func(e Entry, rec, bundle []byte) error {
		e.Path = strings.Replace(e.Path, s.String(), "STORE", 1)
		out = append(out, listed{e, string(rec), string(bundle)})
		return nil
	})
	if err != nil || len(bad) > 0 {
		t.Fatalf("%s: %v %v", s, err, bad)
	}
	return out
}

// TestPGSameAsDirectory: the same records in both stores list the same,
// byte for byte, in the same order, over any period.
func TestPGSameAsDirectory(t *testing.T) {
	dir := Store{Dir: t.TempDir()}
	pg, _ := openPG(t)
	fill(t, dir, pg)
	for _, since := range []time.Time{{}, t0.Add(50 * 24 * time.Hour)} {
		want, got := contents(t, dir, since), contents(t, pg, since)
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("since %v:\npostgres:  %+v\ndirectory: %+v", since, got, want)
		}
	}
	var walked []Record
	if _, err := pg.Walk(time.Time{}, func(_ Entry, r Record) error { walked = append(walked, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if walked[0].Request.RequestID != "req-00" || walked[0].Decision == nil {
		t.Fatalf("walk: %+v", walked[0])
	}
	path, err := pg.Write(record("req-new", t0))
	if err != nil || !strings.HasPrefix(path, pg.String()+"/2026/03/") {
		t.Fatalf("write: %s %v", path, err)
	}
	if again, err := pg.Write(record("req-new", t0)); err != nil || again != path {
		t.Fatalf("writing the same record again: %s %v", again, err)
	}
	if n := len(contents(t, pg, time.Time{})); n != 13 {
		t.Fatalf("%d records, want 13", n)
	}
}

// TestPGConcurrentWriters: writers in parallel lose nothing and keep one chain.
func TestPGConcurrentWriters(t *testing.T) {
	pg, _ := openPG(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := pg.Write(record(fmt.Sprintf("w%d-%d", w, i), t0.Add(time.Duration(i)*time.Minute))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(contents(t, pg, time.Time{})); n != 80 {
		t.Fatalf("%d records, want 80", n)
	}
	r, err := pg.VerifyChain()
	if err != nil || len(r.Problems) > 0 || r.Rows != 80 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// TestPGPlainChangesRefused: UPDATE, DELETE and TRUNCATE of audit rows are
// refused by the trigger, whoever runs them.
func TestPGPlainChangesRefused(t *testing.T) {
	pg, u := openPG(t)
	fill(t, pg)
	for _, stmt := range []string{
		"UPDATE gov_audit SET body = 'x' WHERE seq = 1",
		"UPDATE gov_audit SET at_ns = 0",
		"DELETE FROM gov_audit WHERE seq = 2",
		"DELETE FROM gov_audit",
		"TRUNCATE gov_audit",
	} {
		err := sql(t, u, stmt)
		if err == nil || !strings.Contains(err.Error(), "insert-only") {
			t.Errorf("%s: %v, want refused as insert-only", stmt, err)
		}
	}
	if r, err := pg.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain after refused changes: %+v %v", r, err)
	}
}

// TestPGChainFindsDeletedRow: a row deleted round the trigger (as superuser,
// triggers off), in the middle or at the end, breaks the chain.
func TestPGChainFindsDeletedRow(t *testing.T) {
	for name, where := range map[string]string{
		"middle": "seq = 5",
		"newest": "seq = (SELECT max(seq) FROM gov_audit)",
		"oldest": "seq = 1",
	} {
		t.Run(name, func(t *testing.T) {
			pg, u := openPG(t)
			fill(t, pg)
			if r, err := pg.VerifyChain(); err != nil || len(r.Problems) > 0 {
				t.Fatalf("chain before: %+v %v", r, err)
			}
			if err := sql(t, u, "SET session_replication_role = replica", "DELETE FROM gov_audit WHERE "+where); err != nil {
				t.Fatal(err)
			}
			r, err := pg.VerifyChain()
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) == 0 || !strings.Contains(strings.Join(r.Problems, "\n"), "missing") {
				t.Fatalf("deleted row not found: %+v", r)
			}
		})
	}
}

// TestPGChainFindsEditedRow: a row edited round the trigger breaks the chain,
// and the edited record is named and skipped by every listing.
func TestPGChainFindsEditedRow(t *testing.T) {
	for name, stmt := range map[string]string{
		"body":       `UPDATE gov_audit SET body = convert_to(replace(convert_from(body, 'UTF8'), 'deny', 'allow'), 'UTF8') WHERE seq = 1`,
		"time":       `UPDATE gov_audit SET at_ns = at_ns + 1 WHERE seq = 3`,
		"rehashed":   `UPDATE gov_audit SET digest = encode(sha256(body || '\x20'::bytea), 'hex'), body = body || '\x20'::bytea WHERE seq = 3`,
		"head moved": `UPDATE gov_audit_head SET seq = seq - 1`,
		"kind":       `UPDATE gov_audit SET kind = 'evidence' WHERE seq = 4`,
		"summary":    `UPDATE gov_audit SET summary = '{"d":"allow"}' WHERE seq = 4`,
	} {
		t.Run(name, func(t *testing.T) {
			pg, u := openPG(t)
			fill(t, pg)
			if err := sql(t, u, "SET session_replication_role = replica", stmt); err != nil {
				t.Fatal(err)
			}
			r, err := pg.VerifyChain()
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) == 0 {
				t.Fatalf("edit not found: %+v", r)
			}
			t.Log(r.Problems)
		})
	}
	pg, u := openPG(t)
	fill(t, pg)
	if err := sql(t, u, "SET session_replication_role = replica",
		`UPDATE gov_audit SET body = convert_to(replace(convert_from(body, 'UTF8'), 'deny', 'allow'), 'UTF8') WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	entries, bad := pg.List(time.Time{})
	if len(bad) != 1 || !strings.Contains(bad[0].Error(), "does not match its digest") || len(entries) != 11 {
		t.Fatalf("edited record listed: %d entries, %v", len(entries), bad)
	}
}

// TestPGPrune: prune removes what the directory store's prune removes, only
// through its own transaction, and the chain still verifies across the gap.
func TestPGPrune(t *testing.T) {
	dir := Store{Dir: t.TempDir()}
	pg, _ := openPG(t)
	fill(t, dir, pg)
	cutoff := t0.Add(100 * 24 * time.Hour)
	want, err := dir.Prune(cutoff)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pg.Prune(cutoff)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i] = strings.Replace(want[i], dir.Dir, "STORE", 1)
	}
	for i := range got {
		got[i] = strings.Replace(got[i], pg.String(), "STORE", 1)
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("pruned\npostgres:  %v\ndirectory: %v", got, want)
	}
	if !reflect.DeepEqual(contents(t, pg, time.Time{}), contents(t, dir, time.Time{})) {
		t.Fatal("stores differ after prune")
	}
	r, err := pg.VerifyChain()
	if err != nil || len(r.Problems) > 0 || r.Pruned != len(got) {
		t.Fatalf("chain after prune: %+v %v", r, err)
	}
	if _, err := pg.Write(record("after-prune", t0.Add(200*24*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if r, err := pg.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain after prune and write: %+v %v", r, err)
	}
}

// TestCopy: directory -> PostgreSQL -> directory gives back the same files;
// copying again adds nothing.
func TestCopy(t *testing.T) {
	src, back := Store{Dir: t.TempDir()}, Store{Dir: t.TempDir()}
	pg, _ := openPG(t)
	fill(t, src)
	for i, c := range []struct {
		from, to AuditStore
		added    int
	}{{src, pg, 12}, {src, pg, 0}, {pg, back, 12}, {pg, back, 0}} {
		res, bad, err := Copy(c.from, c.to, time.Time{})
		if err != nil || len(bad) > 0 || res.Read != 12 || res.Added != c.added {
			t.Fatalf("copy %d: %+v %v %v", i, res, bad, err)
		}
	}
	if !reflect.DeepEqual(tree(t, back.Dir), tree(t, src.Dir)) {
		t.Fatal("directory copied through PostgreSQL differs from the original")
	}
	if r, err := pg.VerifyChain(); err != nil || len(r.Problems) > 0 || r.Rows != 16 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// tree maps each file under dir to its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPGRecordOtherEvidenceRefused: evidence is never replaced.
func TestPGRecordOtherEvidenceRefused(t *testing.T) {
	pg, _ := openPG(t)
	data, _ := Encode(record("r", t0))
	if _, err := pg.Import([]RawRecord{{Record: data, Bundle: []byte("a\n")}}); err != nil {
		t.Fatal(err)
	}
	_, err := pg.Import([]RawRecord{{Record: data, Bundle: []byte("b\n")}})
	if err == nil || !strings.Contains(err.Error(), "exists with other content") {
		t.Fatalf("other evidence: %v", err)
	}
	if _, err := pg.Import([]RawRecord{{Record: bytes.Replace(data, []byte("deny"), []byte("allow"), 1)[:40]}}); err == nil {
		t.Fatal("a truncated record was imported")
	}
}

// TestPGPathIsDirectoryLayout: a PostgreSQL record's name is
// <store>/<yyyy>/<mm>/<digest>.json of its UTC month, as the directory
// store places it, for any time a row can hold.
func TestPGPathIsDirectoryLayout(t *testing.T) {
	s := &PGStore{name: "postgres://gov@127.0.0.1:5432/gov"}
	for _, at := range []time.Time{t0, time.Unix(0, 0), time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64),
		time.Date(2026, 12, 31, 23, 30, 0, 0, time.FixedZone("W", -3600)), time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 10, 1, 0, 0, 0, 0, time.UTC)} {
		u := at.UTC()
		want := s.name + "/" + u.Format("2006") + "/" + u.Format("01") + "/ab12.json"
		if got := s.path(at, "ab12"); got != want {
			t.Errorf("%v: %s, want %s", at, got, want)
		}
	}
}
