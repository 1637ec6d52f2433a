#!/usr/bin/env bash
# The test command of README.md: vet, format check, unit and CLI tests, and
# the embedded bundle's own policy tests and cases. Needs only Go (offline once
# modules are downloaded) and, for the PostgreSQL audit store tests, an
# installed PostgreSQL server (they start their own throwaway cluster) or
# GOV_TEST_DATABASE_URL, and an installed PgBouncer (tests of gov behind one).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

echo "== go vet"
go vet ./...

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== PostgreSQL for the audit store tests"
if [ -n "${GOV_TEST_DATABASE_URL:-}" ]; then
  echo "using GOV_TEST_DATABASE_URL"
elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  echo "a throwaway cluster with $(command -v initdb)"
elif compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  echo "a throwaway cluster with $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/initdb"
else
  echo "scripts/test.sh: missing PostgreSQL: the audit store tests start a throwaway cluster with the" >&2
  echo "server's initdb and pg_ctl. Install Debian's postgresql package (apt-get install postgresql)" >&2
  echo "or set GOV_TEST_DATABASE_URL to a server where the tests may create databases." >&2
  exit 1
fi

echo "== PgBouncer for the tests of gov behind one"
if command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; then
  echo "pgbouncer $(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
else
  echo "scripts/test.sh: missing PgBouncer: tests run gov through one in front of their PostgreSQL." >&2
  echo "Install Debian's pgbouncer package (apt-get install pgbouncer)." >&2
  exit 1
fi

echo "== go test"
go test -count=1 ./...

echo "== gov test (embedded bundle)"
go run ./cmd/gov test embedded --library --coverage
