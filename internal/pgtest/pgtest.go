// Package pgtest gives a test package one real PostgreSQL: the server named
// by GOV_TEST_DATABASE_URL, else a private throwaway cluster it starts with
// the installed initdb and pg_ctl (as an unprivileged user when run as root),
// and an empty database per test.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names a PostgreSQL the tests use instead of starting their own; its
// user must be allowed to create databases.
const EnvURL = "GOV_TEST_DATABASE_URL"

// server is the PostgreSQL of this test process, set once by Main.
var server struct {
	url   string
	count atomic.Int64
}

// M is what Main runs: *testing.M, or a wrapper of it (testscript's).
type M interface{ Run() int }

// Main starts the package's PostgreSQL, runs m and stops it; use it from
// TestMain: os.Exit(pgtest.Main(m)). When no PostgreSQL can be had every
// test fails with a message saying what to install: none is skipped.
func Main(m M) int {
	if u := os.Getenv(EnvURL); u != "" {
		server.url = u
		return m.Run()
	}
	c, err := startCluster()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	defer c.stop()
	server.url = c.url
	return m.Run()
}

// URL is the server's URL (the postgres database), for tests that need the
// server itself rather than a database of their own.
func URL(t testing.TB) string {
	t.Helper()
	if server.url == "" {
		t.Fatal("pgtest: no PostgreSQL: call pgtest.Main from the package's TestMain")
	}
	return server.url
}

// NewDatabase creates an empty database for t, dropped when t ends, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("gov_test_%d_%d_%s", os.Getpid(), server.count.Add(1), hex.EncodeToString(b[:]))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: connect: %v", err)
			return
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	u, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// withDatabase returns base naming database name instead.
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New(EnvURL + " must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Password is the password in a URL ("" when none), for tests that check it
// is never printed.
func Password(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// WithoutPassword returns rawURL with its password removed and the password.
func WithoutPassword(rawURL string) (string, string) {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL, ""
	}
	pw, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	return strings.TrimSpace(u.String()), pw
}

// WaitForLockWaiter waits (5 s at most) until a session of the database at
// url waits for a lock: a test that makes one session wait behind another
// acts only once the wait has begun.
func WaitForLockWaiter(tb testing.TB, url string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	for range 500 {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatal("pgtest: no session waits for a lock")
}

// ReadingTx opens a session of the database at url and, in a transaction
// left open, reads table: the transaction holds the table's ACCESS SHARE
// lock (as a long report does) until the test rolls it back or ends.
func ReadingTx(tb testing.TB, url, table string) pgx.Tx {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()); err != nil {
		tb.Fatal(err)
	}
	return tx
}
