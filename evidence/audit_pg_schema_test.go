package evidence

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/internal/pgtest"
)

func versions(t *testing.T, u string) []int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, _ := conn.Query(ctx, "SELECT version FROM gov_schema_migrations ORDER BY version")
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestPGMigrateTogether: processes opening an empty database at once
// migrate it once, under the advisory lock, and all succeed.
func TestPGMigrateTogether(t *testing.T) {
	u := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			s, err := OpenPostgres(context.Background(), u)
			if err == nil {
				_, err = s.Write(record("together", t0))
				_ = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if vs := versions(t, u); len(vs) != SchemaVersion() || vs[len(vs)-1] != SchemaVersion() {
		t.Fatalf("migrations applied: %v, want 1..%d once each", vs, SchemaVersion())
	}
}

// TestPGMigrateFromVersion1: a database left at the first schema version
// is migrated on open and keeps its records and chain.
func TestPGMigrateFromVersion1(t *testing.T) {
	u := pgtest.NewDatabase(t)
	ctx := context.Background()
	old, err := openPostgres(ctx, u, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Write(record("v1", t0)); err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	if vs := versions(t, u); len(vs) != 1 {
		t.Fatalf("versions %v, want [1]", vs)
	}
	s, err := OpenPostgres(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if vs := versions(t, u); len(vs) != SchemaVersion() || SchemaVersion() < 2 {
		t.Fatalf("versions %v after migrating, want 1..%d", vs, SchemaVersion())
	}
	entries, bad := s.List(time.Time{})
	if len(entries) != 1 || len(bad) > 0 || entries[0].RequestID != "v1" {
		t.Fatalf("after migrating: %+v %v", entries, bad)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}

// TestPGNewerSchemaRefused: a gov older than the database's schema does
// not write into it.
func TestPGNewerSchemaRefused(t *testing.T) {
	s, u := openPG(t)
	_ = s.Close()
	if err := sql(t, u, "INSERT INTO gov_schema_migrations (version, name) VALUES (999, '0999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	_, err := OpenPostgres(context.Background(), u)
	if err == nil || !strings.Contains(err.Error(), "newer than this gov's") {
		t.Fatalf("newer schema: %v", err)
	}
}

// TestPGPeriodQueryUsesIndex: a period listing reads records through the
// time index, not the whole table.
func TestPGPeriodQueryUsesIndex(t *testing.T) {
	s, u := openPG(t)
	var items []RawRecord
	for i := range 3000 {
		data, _ := Encode(record("r", t0.Add(time.Duration(i)*time.Hour)))
		items = append(items, RawRecord{Record: data})
	}
	if _, err := s.Import(items); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "ANALYZE gov_audit"); err != nil {
		t.Fatal(err)
	}
	rows, _ := conn.Query(ctx, `EXPLAIN SELECT r.digest, r.at_ns, r.body FROM gov_audit r
		WHERE r.kind = 'record' AND r.at_ns >= $1 ORDER BY r.at_ns, r.digest`, t0.Add(2990*time.Hour).UnixNano())
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "gov_audit_records_by_time") {
		t.Fatalf("period query does not use the time index:\n%s", strings.Join(plan, "\n"))
	}
}

// TestPGErrorsHidePassword: no error of opening a store, and not its name,
// contains the URL's password: a server that is not there, a wrong
// password, a URL pgx cannot parse.
func TestPGErrorsHidePassword(t *testing.T) {
	const pw = "S3cret-Pa55word-Z"
	good := pgtest.NewDatabase(t)
	u, err := url.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	wrongPW := u.String()
	u.Host = "127.0.0.1:1"
	noServer := u.String()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, ref := range map[string]string{
		"wrong password": wrongPW,
		"no server":      noServer,
		"bad port":       "postgres://gov:" + pw + "@127.0.0.1:notaport/db",
		"bad option":     "postgres://gov:" + pw + "@127.0.0.1:1/db?sslmode=sometimes",
		"query password": "postgres://gov@127.0.0.1:1/db?password=" + pw,
	} {
		s, err := OpenStore(ctx, ref)
		if err == nil {
			_ = s.Close()
			t.Errorf("%s: opened", name)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("%s: error shows the password: %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	s, err := OpenStore(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if p := pgtest.Password(good); p != "" && strings.Contains(s.String(), p) {
		t.Fatalf("store name shows the password: %s", s)
	}
}

// TestPGPasswordFromEnvironment: credentials may come from the PG*
// variables instead of the URL.
func TestPGPasswordFromEnvironment(t *testing.T) {
	good := pgtest.NewDatabase(t)
	bare, pw := pgtest.WithoutPassword(good)
	if pw == "" {
		return // GOV_TEST_DATABASE_URL without a password: nothing to move
	}
	t.Setenv("PGPASSWORD", pw)
	s, err := OpenStore(context.Background(), bare)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
}

// TestPGMigrationWaitBounded: a replica of a newer gov starts while a
// session reads a table the migration changes (a long gov report, an open
// transaction). The migration's wait for that table's exclusive lock is
// bounded: meanwhile every other session's reads and writes of the table
// queue behind it, so an unbounded wait stopped every replica's webhook
// claims (here: a plain read) until that session ended, and the new
// replica hung without a word. Now each attempt waits migrationLockWait,
// the others go on between attempts, and after migrationAttempts the new
// replica fails with an error naming the migration and the held lock; an
// attempt after the session has ended migrates.
func TestPGMigrationWaitBounded(t *testing.T) {
	ctx := context.Background()
	wait, attempts := migrationLockWait, migrationAttempts
	migrationLockWait, migrationAttempts = 300*time.Millisecond, 3
	t.Cleanup(func() { migrationLockWait, migrationAttempts = wait, attempts })
	u := pgtest.NewDatabase(t)
	old, err := openPostgres(ctx, u, 6) // before 0007, which alters gov_webhook_deliveries
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	tx := pgtest.ReadingTx(t, u, "gov_webhook_deliveries")
	opened := make(chan error, 1)
	openCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	go func() {
		s, err := OpenPostgres(openCtx, u)
		if err == nil {
			_ = s.Close()
		}
		opened <- err
	}()
	// Another replica's use of the table while the migration waits: it
	// must not wait for the reader's transaction (20 s would fail it).
	other, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close(ctx) }()
	if _, err := other.Exec(ctx, "SET statement_timeout = '10s'"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := other.Exec(ctx, "SELECT count(*) FROM gov_webhook_deliveries"); err != nil {
			t.Fatalf("another session's read while the migration waits: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	err = <-opened
	if err == nil || !strings.Contains(err.Error(), "0007_delivery_claim_owner.sql") || !strings.Contains(err.Error(), "holds a lock") {
		t.Fatalf("opening while a session holds the table: %v, want the migration's lock error", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	// A session that ends while the attempts go on: a later attempt
	// migrates.
	go func() {
		s, err := OpenPostgres(openCtx, u)
		if err == nil {
			_ = s.Close()
		}
		opened <- err
	}()
	time.Sleep(migrationLockWait * 3 / 2)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("opening as the session ended: %v", err)
	}
	var v int
	if err := other.QueryRow(ctx, "SELECT max(version) FROM gov_schema_migrations").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion())
	}
}

// TestPGMigrationBesideDatabaseStatementTimeout: on a database whose
// sessions default to a statement_timeout shorter than the migration's
// lock wait, a migration waiting behind a reader is tried again as on any
// other (its wait ends by lock_timeout, not by the statement timeout,
// which no attempt survived), and migrates once the reader has ended,
// however long its statements take. Seen failing (57014 at the first
// attempt) with the database's statement_timeout left in force.
func TestPGMigrationBesideDatabaseStatementTimeout(t *testing.T) {
	ctx := context.Background()
	wait, attempts := migrationLockWait, migrationAttempts
	migrationLockWait, migrationAttempts = time.Second, 3
	t.Cleanup(func() { migrationLockWait, migrationAttempts = wait, attempts })
	u := pgtest.NewDatabase(t)
	old, err := openPostgres(ctx, u, 6)
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	if err := sql(t, u, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout = ''300ms''', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	tx := pgtest.ReadingTx(t, u, "gov_webhook_deliveries")
	opened := make(chan error, 1)
	go func() {
		s, err := OpenPostgres(ctx, u)
		if err == nil {
			_ = s.Close()
		}
		opened <- err
	}()
	time.Sleep(migrationLockWait * 3 / 2) // into the second attempt
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("opening beside a reader with statement_timeout = 300ms: %v, want the migration tried again once the reader ended", err)
	}
	var v int
	if err := tx.Conn().QueryRow(ctx, "SELECT max(version) FROM gov_schema_migrations").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion())
	}
}
