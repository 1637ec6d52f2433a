package server

import (
	"os"
	"testing"

	"github.com/gov-policy/gov/internal/pgtest"
)

// The server tests with a PostgreSQL audit store share one (a throwaway
// cluster unless GOV_TEST_DATABASE_URL names one); each has its own database.
// The gov binary of the replica tests (replicas_pg_test.go) is removed after.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	removeGovBinary()
	os.Exit(code)
}
