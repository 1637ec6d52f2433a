package evidence

import (
	"context"
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

// schemaStep is what one migration added: put stores data in a database at
// that version or later (run before upgrading, with the gov of today:
// nothing older is at hand); check runs on the upgraded database, with had
// telling whether put ran before the upgrade: what put stored is kept, and
// what the step added works on new data.
type schemaStep struct {
	version int
	name    string
	put     func(t *testing.T, m *migrated)
	check   func(t *testing.T, m *migrated, had bool)
}

// migrated is one database under upgrade, with a directory store holding
// the same records to compare it with.
type migrated struct {
	pg  *PGStore
	url string
	dir Store
}

// schemaSteps lists every migration, oldest first. A new migration adds its
// line here (TestPGMigrateFromEveryVersion fails until it does).
var schemaSteps = []schemaStep{
	{1, "records, evidence and prune marks, chained", putRecords, checkRecords},
	{2, "period index", nil, checkPeriodIndex},
	{3, "webhook deliveries", putDelivery, checkDeliveries},
	{4, "pending approvals", putPending, checkPending},
	{5, "head only moves forward", nil, checkHeadForwardOnly},
	{6, "cheaper writes", nil, checkCheaperWrites},
	{7, "delivery claims name their claim", nil, checkDeliveryClaimOwner},
}

// checkDeliveryClaimOwner: a claim dropped by its name goes, another
// claim of the key (another replica's, or one made before the upgrade,
// which has none) stays.
func checkDeliveryClaimOwner(t *testing.T, m *migrated, _ bool) {
	if isNew, err := m.pg.ClaimDeliveryAs("delivery-7", "claim-a", time.Hour); err != nil || !isNew {
		t.Fatalf("claim after migration 7: new %v, %v", isNew, err)
	}
	if err := m.pg.ForgetDeliveryClaim("delivery-7", "claim-b"); err != nil {
		t.Fatal(err)
	}
	if isNew, err := m.pg.ClaimDeliveryAs("delivery-7", "claim-b", time.Hour); err != nil || isNew {
		t.Fatalf("another claim's drop removed claim-a: new %v, %v", isNew, err)
	}
	if err := m.pg.ForgetDeliveryClaim("delivery-7", "claim-a"); err != nil {
		t.Fatal(err)
	}
	if isNew, err := m.pg.ClaimDeliveryAs("delivery-7", "claim-b", time.Hour); err != nil || !isNew {
		t.Fatalf("after claim-a's drop: new %v, %v; want the key free", isNew, err)
	}
	// checkDeliveries' claim, which names none.
	if err := m.pg.ForgetDeliveryClaim("delivery-after-upgrade", "claim-b"); err != nil {
		t.Fatal(err)
	}
	if isNew, err := m.pg.ClaimDeliveryAs("delivery-after-upgrade", "", time.Hour); err != nil || isNew {
		t.Fatalf("a claim naming none was dropped: new %v, %v", isNew, err)
	}
}

// checkHeadForwardOnly: after the upgrade the chain's head cannot be moved
// back (TestAttackA14TailDeletedChainVerifies), and writes still move it on.
func checkHeadForwardOnly(t *testing.T, m *migrated, _ bool) {
	if err := sql(t, m.url, "UPDATE gov_audit_head SET seq = seq - 1"); err == nil || !strings.Contains(err.Error(), "only moves forward") {
		t.Fatalf("moving the head back: %v, want it refused", err)
	}
	if _, err := m.pg.Write(record("after-5", t0.Add(400*24*time.Hour))); err != nil {
		t.Fatalf("a write after migration 5: %v", err)
	}
}

// TestPGMigrateFromEveryVersion: a database left at each earlier schema
// version, with the data that version holds, is upgraded by three gov
// processes opening it at once (replicas restarted on a new gov): every
// migration runs once, the data is kept (records byte for byte as in a
// directory store, evidence, prune marks, delivery claims, pending PRs),
// the chain still verifies, and each table added since works.
func TestPGMigrateFromEveryVersion(t *testing.T) {
	latest := SchemaVersion()
	for i, st := range schemaSteps {
		if st.version != i+1 {
			t.Fatalf("schemaSteps[%d] is version %d, want %d", i, st.version, i+1)
		}
	}
	if len(schemaSteps) != latest {
		t.Fatalf("schemaSteps lists %d migrations, the schema has %d: add the new migration's step", len(schemaSteps), latest)
	}
	for from := 1; from < latest; from++ {
		t.Run(fmt.Sprintf("from version %d", from), func(t *testing.T) {
			ctx := context.Background()
			m := &migrated{url: pgtest.NewDatabase(t), dir: Store{Dir: t.TempDir()}}
			old, err := openPostgres(ctx, m.url, from)
			if err != nil {
				t.Fatal(err)
			}
			if vs := versions(t, m.url); len(vs) != from || vs[len(vs)-1] != from {
				t.Fatalf("versions %v, want 1..%d", vs, from)
			}
			m.pg = old
			for _, st := range schemaSteps[:from] {
				if st.put != nil {
					st.put(t, m)
				}
			}
			_ = old.Close()

			stores := make([]*PGStore, 3)
			errs := make([]error, len(stores))
			var wg sync.WaitGroup
			for i := range stores {
				wg.Go(func() { stores[i], errs[i] = OpenPostgres(ctx, m.url) })
			}
			wg.Wait()
			for _, s := range stores {
				if s != nil {
					defer func() { _ = s.Close() }()
				}
			}
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if vs := versions(t, m.url); !reflect.DeepEqual(vs, seq(latest)) {
				t.Fatalf("versions %v after upgrading, want %v", vs, seq(latest))
			}
			m.pg = stores[0]
			for _, st := range schemaSteps {
				t.Run(st.name, func(t *testing.T) { st.check(t, m, st.version <= from) })
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// putRecords stores records with and without evidence, written and
// imported, and prunes the oldest: a chain with a prune mark in it.
func putRecords(t *testing.T, m *migrated) {
	fill(t, m.dir, m.pg)
	rec := record("written-before-upgrade", t0.Add(300*24*time.Hour))
	for _, s := range []AuditStore{m.dir, m.pg} {
		if _, err := s.Write(rec); err != nil {
			t.Fatal(err)
		}
		if removed, err := s.Prune(t0.Add(100 * 24 * time.Hour)); err != nil || len(removed) == 0 {
			t.Fatalf("%s: prune: %v %v", s, removed, err)
		}
	}
}

// checkCheaperWrites: after the upgrade a record of 2 to 8 KB is stored as
// it is (not compressed), and the head's trigger, now called only when an
// update would be refused, still refuses every update that does not move
// the head forward (the same sequence number with another hash included)
// and deletes, while writes move it on.
func checkCheaperWrites(t *testing.T, m *migrated, _ bool) {
	rec := record("after-6", t0.Add(401*24*time.Hour))
	rec.Request.PatchContent = strings.Repeat("+a line of a patch that compresses well\n", 100)
	if _, err := m.pg.Write(rec); err != nil {
		t.Fatal(err)
	}
	var length, stored int
	if err := m.pg.pool.QueryRow(context.Background(), `SELECT octet_length(body), pg_column_size(body) FROM gov_audit
		WHERE kind = 'record' ORDER BY seq DESC LIMIT 1`).Scan(&length, &stored); err != nil {
		t.Fatal(err)
	}
	if length < 4000 || length > 8000 || stored < length {
		t.Fatalf("a record of %d bytes is stored in %d: want it stored as it is", length, stored)
	}
	for _, stmt := range []string{
		"UPDATE gov_audit_head SET seq = seq - 1",
		"UPDATE gov_audit_head SET hash = sha256(hash)",
		"UPDATE gov_audit_head SET seq = seq, hash = hash",
		"DELETE FROM gov_audit_head",
	} {
		if err := sql(t, m.url, stmt); err == nil || !strings.Contains(err.Error(), "only moves forward") {
			t.Fatalf("%s: %v, want it refused", stmt, err)
		}
	}
	r, err := m.pg.VerifyChain()
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain after the refused statements: %+v %v", r, err)
	}
}

func checkRecords(t *testing.T, m *migrated, had bool) {
	got := contents(t, m.pg, time.Time{})
	if want := contents(t, m.dir, time.Time{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("records after upgrading:\n%+v\nwant (as in the directory store):\n%+v", got, want)
	}
	r, err := m.pg.VerifyChain()
	if err != nil || len(r.Problems) > 0 || (had && r.Pruned == 0) {
		t.Fatalf("chain after upgrading: %+v %v", r, err)
	}
	rec := record("written-after-upgrade", t0.Add(400*24*time.Hour))
	if _, err := m.pg.Write(rec); err != nil {
		t.Fatal(err)
	}
	if r2, err := m.pg.VerifyChain(); err != nil || len(r2.Problems) > 0 || r2.Rows != r.Rows+1 {
		t.Fatalf("chain after a write: %+v %v (before: %d rows)", r2, err, r.Rows)
	}
	if _, err := m.dir.Write(rec); err != nil {
		t.Fatal(err)
	}
}

// checkPeriodIndex: a period listing is the directory store's, and goes
// through the time index.
func checkPeriodIndex(t *testing.T, m *migrated, _ bool) {
	since := t0.Add(250 * 24 * time.Hour)
	got, want := contents(t, m.pg, since), contents(t, m.dir, since)
	if !reflect.DeepEqual(got, want) || len(got) == 0 {
		t.Fatalf("records since %s: %+v, want %+v", since, got, want)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, m.url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	// Few rows: the planner would read the table; forbid that to see that
	// the index is there and fits the query.
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, _ := conn.Query(ctx, `EXPLAIN SELECT r.digest, r.at_ns, r.body FROM gov_audit r
		WHERE r.kind = 'record' AND r.at_ns >= $1 ORDER BY r.at_ns, r.digest`, since.UnixNano())
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// The index gives the listing's order: no sort.
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "gov_audit_records_by_time") || strings.Contains(p, "Sort") {
		t.Fatalf("period query not in the order of the time index:\n%s", p)
	}
}

// putDelivery claims a delivery as gov at version 3 to 6 did (the claim
// statement of today names the claim, a column of version 7).
func putDelivery(t *testing.T, m *migrated) {
	if err := sql(t, m.url, "INSERT INTO gov_webhook_deliveries (key) VALUES ('delivery-before-upgrade')"); err != nil {
		t.Fatalf("claim: %v", err)
	}
}

func checkDeliveries(t *testing.T, m *migrated, had bool) {
	if had {
		if isNew, err := m.pg.ClaimDeliveryAs("delivery-before-upgrade", "", time.Hour); err != nil || isNew {
			t.Fatalf("the claim made before upgrading was lost: %v %v", isNew, err)
		}
	}
	for i, want := range []bool{true, false} {
		if isNew, err := m.pg.ClaimDeliveryAs("delivery-after-upgrade", "", time.Hour); err != nil || isNew != want {
			t.Fatalf("claim %d after upgrading: %v %v, want %v", i+1, isNew, err, want)
		}
	}
}

var pendingBefore = PendingEntry{Repo: "Acme/App", Number: 7, HeadSHA: "abc", BaseRef: "main", Due: t0.UTC(), Installation: 42}

func putPending(t *testing.T, m *migrated) {
	if err := m.pg.PutPending(context.Background(), pendingBefore); err != nil {
		t.Fatal(err)
	}
}

func checkPending(t *testing.T, m *migrated, had bool) {
	ctx := context.Background()
	after := PendingEntry{Repo: "acme/lib", Number: 3, HeadSHA: "def", BaseRef: "dev", Due: t0.Add(time.Hour).UTC()}
	if err := m.pg.PutPending(ctx, after); err != nil {
		t.Fatal(err)
	}
	want := []PendingEntry{after}
	if had {
		want = []PendingEntry{pendingBefore, after}
	}
	if es, err := m.pg.ListPending(ctx); err != nil || !reflect.DeepEqual(es, want) {
		t.Fatalf("pending after upgrading: %+v %v, want %+v", es, err, want)
	}
	var swept []PendingEntry
	ran, err := m.pg.SweepPending(ctx, t0.Add(2*time.Hour), time.Hour, func(e PendingEntry) (bool, bool) {
		swept = append(swept, e)
		return true, false
	})
	if err != nil || !ran || !reflect.DeepEqual(swept, want) {
		t.Fatalf("sweep after upgrading: %v %v %+v, want %+v", ran, err, swept, want)
	}
}
