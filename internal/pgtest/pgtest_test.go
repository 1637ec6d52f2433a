package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestNewDatabase: each test gets its own empty database on the one server,
// reached with the password in the URL.
func TestNewDatabase(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("two tests share a database: %s", a)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("new database has %d tables", n)
	}
	// Without the password the server refuses: it is not open to anyone on the machine.
	noPW, pw := WithoutPassword(a)
	if pw == "" {
		return // a GOV_TEST_DATABASE_URL without a password: nothing more to check
	}
	t.Setenv("PGPASSWORD", "")
	if c, err := pgx.Connect(ctx, noPW); err == nil {
		_ = c.Close(ctx)
		t.Fatal("connected without the password")
	}
}
