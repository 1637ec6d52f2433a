package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/internal/pgtest"
)

// TestAttackA14S9BShutdownBoundEndsStoreWrites: gov serve is stopped
// while a /v1/eval waits for its record (another session holds the
// chain's head past the shutdown bound). Serve returns within its
// ShutdownTimeout, as it says, not once the write's own wait for the head's
// lock (5 s) has run out: the store's context, which
// outlives gov serve's (1bf554d), ends at the shutdown bound, and the
// store's Close at the end of Serve (052739e) does not wait for a write
// past it. The request is answered 200 only with its record. Seen
// failing (Serve returned 5 s after SIGTERM, with a shutdown bound of
// 1 s) on 052739e and with the store's context left running past the
// bound.
func TestAttackA14S9BShutdownBoundEndsStoreWrites(t *testing.T) {
	u := pgtest.NewDatabase(t)
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": requesterPolicy})
	ctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	const bound = time.Second
	s, err := New(ctx, Config{Bundle: dir, AuditDir: u, APIToken: testToken, ShutdownTimeout: bound,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	if code, body := postEval(base, "s9b-first"); code != http.StatusOK {
		t.Fatalf("first request: %d %s", code, body)
	}
	holder, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Close(context.Background()) }()
	if _, err := holder.Exec(context.Background(), "BEGIN; SELECT * FROM gov_audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code int
		body string
	}
	answered := make(chan answer, 1)
	go func() {
		code, body := postEval(base, "s9b-held")
		answered <- answer{code, body}
	}()
	pgtest.WaitForLockWaiter(t, u)
	sigterm()
	began := time.Now()
	var took time.Duration
	select {
	case err := <-served:
		took = time.Since(began)
		if err == nil {
			t.Error("Serve returned nil with a request cut off at the shutdown bound")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return 30 s after it was stopped")
	}
	if _, err := holder.Exec(context.Background(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
	// The write's own wait for the head is 5 s (a third of the write
	// timeout): Serve's return must not wait for it.
	if took >= bound+3*time.Second {
		t.Errorf("Serve returned %s after it was stopped, with a shutdown bound of %s: a record write outlived the bound", took.Round(100*time.Millisecond), bound)
	}
	a := <-answered
	recorded := recordsByRequest(t, u)
	if a.code == http.StatusOK && recorded["s9b-held"] != 1 {
		t.Errorf("request answered 200 with %d records", recorded["s9b-held"])
	}
	if recorded["s9b-first"] != 1 {
		t.Errorf("the first request has %d records, want 1", recorded["s9b-first"])
	}
}

// TestAttackA14S9BQueueStartFailureClosesStore: Serve's durable job queue
// fails to start (the database refuses new connections as it is
// reached), and Serve returns its error early, before its shutdown: the
// store's pool and the job queue's are closed there too, not left open
// (the store's context no longer ends with gov serve's, and nothing else
// closes them). Seen failing (both pools still answered) on 052739e.
func TestAttackA14S9BQueueStartFailureClosesStore(t *testing.T) {
	u := pgtest.NewDatabase(t)
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": requesterPolicy})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	signer, _ := testSigner(t)
	workers := signGoroutines()
	s, err := New(ctx, Config{Bundle: dir, AuditDir: u, APIToken: testToken, GitHub: nil, Signer: signer,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if s.jobs == nil {
		t.Fatal("no durable job queue on a PostgreSQL store: the attack does not run")
	}
	// From another database: a session cannot close its own to others.
	acfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	db := acfg.Database
	acfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, acfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(context.Background()) }()
	allow := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", pgx.Identifier{db}.Sanitize(), on)); err != nil {
			t.Fatal(err)
		}
	}
	allow(false)
	defer allow(true)
	sessions := func() int {
		var n int
		if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", db).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db); err != nil {
		t.Fatal(err)
	}
	for i := 0; sessions() > 0; i++ {
		if i == 500 {
			t.Fatal("the server's sessions did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	err = s.Serve(ctx, ln)
	if err == nil || !strings.Contains(err.Error(), "durable job queue") {
		t.Fatalf("Serve with a database refusing connections: %v, want the job queue's start failed", err)
	}
	// Its sign queue's goroutines are stopped too (TestNewFailureStartsNoSignWorkers's, for Serve).
	if n := signGoroutines() - workers; n != 0 {
		t.Errorf("%d signing goroutines left after Serve returned, want 0", n)
	}
	allow(true)
	// A pool left open answers (its first tries may take a connection
	// that was ended above): one that is closed never does.
	answers := func(ping func() error) bool {
		for range 3 {
			if ping() == nil {
				return true
			}
		}
		return false
	}
	store := s.db.(*evidence.PGStore)
	if answers(func() error { return store.Ping(2 * time.Second) }) {
		t.Error("the audit store still answers after Serve returned: its pool was left open")
	}
	if answers(func() error {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return s.jobs.pool.Ping(pctx)
	}) {
		t.Error("the job queue's pool still answers after Serve returned: it was left open")
	}
}

// TestAttackA14S9BNewFailureClosesStore: New opens the PostgreSQL store
// and then fails (here: the bundle does not load); the store's
// connections are closed, not left open on the database for the life of
// the process (the store's context no longer ends with New's). Seen
// failing (the migration's connection still open 10 s later) on 052739e.
func TestAttackA14S9BNewFailureClosesStore(t *testing.T) {
	u := pgtest.NewDatabase(t)
	_, err := New(context.Background(), Config{Bundle: filepath.Join(t.TempDir(), "missing"), AuditDir: u, APIToken: testToken,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err == nil {
		t.Fatal("New with a missing bundle succeeded")
	}
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var applied int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM gov_schema_migrations").Scan(&applied); err != nil || applied == 0 {
		t.Fatalf("the store was not opened before New failed (%d migrations, %v): the attack does not run", applied, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for otherSessions(t, conn) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := otherSessions(t, conn); n > 0 {
		t.Fatalf("%d connections to the audit database still open after New failed", n)
	}
}

// TestAttackA14S9BAnsweredAfterServeFailsClosed: Serve returns early on a
// listener that fails at once (closed), through its shutdown: the store
// is closed there. Whatever still reaches the server's handler after that
// (a second Serve, a test or embedding server) fails closed: a decision
// is not answered 200 without its record, readiness says the database is
// unreachable, and a webhook delivery is not acknowledged nor its claim
// kept (GitHub's redelivery must be taken later). Holds; seen failing
// (the decision answered 200 with its record, readiness 200) with the
// store's close at the end of Serve removed, which shows the store was
// still in use (the webhook was refused then too: the job queue was
// stopped).
func TestAttackA14S9BAnsweredAfterServeFailsClosed(t *testing.T) {
	u := pgtest.NewDatabase(t)
	s := newTestServer(t, Config{AuditDir: u, WebhookSecret: webhookSecret, PolicyRepo: "acme/policy"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	if err := s.Serve(context.Background(), ln); err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
	h := s.Handler()
	body := []byte(`{"request_id":"s9b-after-close","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`)
	code, out := call(t, h, http.MethodPost, "/v1/eval", map[string]string{
		"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}, body)
	if code == http.StatusOK {
		t.Errorf("decision after Serve closed the store: 200 %s", out)
	}
	if code, out := call(t, h, http.MethodGet, "/readyz", nil, nil); code != http.StatusServiceUnavailable {
		t.Errorf("readiness after Serve closed the store: %d %s, want 503", code, out)
	}
	if code, out := a13Deliver(t, h, "push", "s9b-d-1", pushBody(91)); code/100 == 2 {
		t.Errorf("webhook delivery after Serve closed the store: %d %s, want it refused", code, out)
	}
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var claims int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM gov_webhook_deliveries").Scan(&claims); err != nil || claims != 0 {
		t.Errorf("%d delivery claims (%v) kept for a delivery refused, want none", claims, err)
	}
}

// TestAttackA14S9BRiverMigrationWaitBounded: a gov whose job queue's
// schema is newer than the database's (river's migration 6 alters
// river_job) starts while a session reads river_job (an open transaction).
// As for gov's own tables (b9017e9), the migration's wait for the
// table's exclusive lock is bounded and tried again: meanwhile every other
// session's use of river_job (every replica's job fetches) queued behind
// it without end, and the new replica hung. Another session's reads go on,
// and the new replica starts once the reader has ended. Seen failing (the
// other session's read timed out after 5 s) on b9017e9.
func TestAttackA14S9BRiverMigrationWaitBounded(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: 5}); err != nil {
		t.Fatal(err)
	}
	tx := pgtest.ReadingTx(t, u, "river_job")
	newCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	started := make(chan error, 1)
	go func() {
		s, err := New(newCtx, Config{AuditDir: u, Bundle: t.TempDir(), APIToken: testToken,
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
		if err == nil {
			_ = s.jobs.stop(ctx)
			_ = s.closeDB()
		}
		started <- err
	}()
	pgtest.WaitForLockWaiter(t, u)
	other, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close(ctx) }()
	if _, err := other.Exec(ctx, "SET statement_timeout = '5s'"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := other.Exec(ctx, "SELECT count(*) FROM river_job"); err != nil {
			_ = tx.Rollback(ctx)
			t.Fatalf("another session's read of river_job while the job queue migrates: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatalf("starting once the reader ended: %v", err)
	}
	var v int
	if err := other.QueryRow(ctx, "SELECT max(version) FROM river_migration").Scan(&v); err != nil || v <= 5 {
		t.Fatalf("river schema version %d (%v), want past 5", v, err)
	}
}

// TestAttackA14S9BServeSIGTERMBoundEndsStoreWrites is the attack of
// TestAttackA14S9BShutdownBoundEndsStoreWrites on a gov serve process
// (--shutdown-timeout 1s) sent SIGTERM while a /v1/eval waits for the
// chain's head: the process exits within its bound, not once the write's
// own wait for the head (5 s) has run out, and the request is answered
// 200 only with its record. Seen failing (exit 5 s after SIGTERM) with
// the store's context left running past the bound.
//
// A write whose cancellation at the bound gets no answer from the server
// in time (a loaded machine: the connection is dropped first) has an
// unknown outcome, which the store resolves by design past the bound, in
// one lock wait (5 s; TestAttackA14PipeStoreContextEndsDuringCommit): one
// CI run in a few dozen exited 6 s after SIGTERM so. The attack is run up
// to three times and holds when one run exits within the bound; the hole
// it guards made every run wait.
func TestAttackA14S9BServeSIGTERMBoundEndsStoreWrites(t *testing.T) {
	var took time.Duration
	for run := range 3 {
		if took = serveSIGTERMWithHeldWrite(t); took < 4*time.Second {
			return
		}
		t.Logf("run %d: gov serve exited %s after SIGTERM (an unknown outcome resolved?)", run+1, took.Round(100*time.Millisecond))
	}
	t.Errorf("gov serve exited %s after SIGTERM with --shutdown-timeout 1s in three runs: a record write outlived the bound", took.Round(100*time.Millisecond))
}

// serveSIGTERMWithHeldWrite is one run of
// TestAttackA14S9BServeSIGTERMBoundEndsStoreWrites: the time gov serve
// took to exit after SIGTERM. It fails t if the request was answered 200
// without its record.
func serveSIGTERMWithHeldWrite(t *testing.T) time.Duration {
	t.Helper()
	u := pgtest.NewDatabase(t)
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": requesterPolicy})
	r := startReplica(t, "a", replicaFlags{audit: u, bundle: dir, github: fakeGitHub(t).URL, shutdown: "1s"})
	if code, body := postEval(r.base, "s9b-first"); code != http.StatusOK {
		t.Fatalf("first request: %d %s", code, body)
	}
	holder, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Close(context.Background()) }()
	if _, err := holder.Exec(context.Background(), "BEGIN; SELECT * FROM gov_audit_head FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code int
		body string
	}
	answered := make(chan answer, 1)
	go func() {
		code, body := postEval(r.base, "s9b-held")
		answered <- answer{code, body}
	}()
	pgtest.WaitForLockWaiter(t, u)
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("gov serve did not exit 30 s after SIGTERM")
	}
	took := time.Since(began)
	t.Logf("gov serve exited %s after SIGTERM", took.Round(10*time.Millisecond))
	if _, err := holder.Exec(context.Background(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
	a := <-answered
	if a.code == http.StatusOK && recordsByRequest(t, u)["s9b-held"] != 1 {
		t.Errorf("request answered 200 without its record: %s", a.body)
	}
	return took
}

// TestAttackA14S9BStoppedWhileRiverMigrates: gov serve is told to stop
// while its job queue's migration waits for river_job (a session reads
// it): New stops waiting at once, between or during its attempts, with
// the open cancelled, and leaves no connection open (the store's, the
// queue's and the migration's pools closed). Seen failing (the store's
// connection left open) with New's close on failure removed.
func TestAttackA14S9BStoppedWhileRiverMigrates(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: 5}); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	tx := pgtest.ReadingTx(t, u, "river_job")
	defer func() { _ = tx.Rollback(ctx) }()
	newCtx, sigterm := context.WithCancel(ctx)
	defer sigterm()
	started := make(chan error, 1)
	go func() {
		s, err := New(newCtx, Config{AuditDir: u, Bundle: t.TempDir(), APIToken: testToken,
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
		if err == nil {
			_ = s.jobs.stop(ctx)
			_ = s.closeDB()
		}
		started <- err
	}()
	pgtest.WaitForLockWaiter(t, u)
	time.Sleep(2500 * time.Millisecond) // into the attempts
	sigterm()
	select {
	case err := <-started:
		if err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("New stopped while its job queue migrates: %v, want the open cancelled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("New still migrates 10 s after it was stopped")
	}
	deadline := time.Now().Add(10 * time.Second)
	for otherSessions(t, tx.Conn()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := otherSessions(t, tx.Conn()); n > 0 {
		t.Fatalf("%d connections to the audit database still open after New was stopped", n)
	}
}
