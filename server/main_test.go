package server

import (
	"os"
	"testing"

	"github.com/gov-policy/gov/internal/pgtest"
)

// The server tests with a PostgreSQL audit store share one (a throwaway
// cluster unless GOV_TEST_DATABASE_URL names one); each has its own database.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
