#!/usr/bin/env bash
# The test command of README.md: vet, format check, unit and CLI tests, and
# the embedded bundle's own policy tests and cases. Needs only Go (offline once
# modules are downloaded).
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

echo "== go test"
go test -count=1 ./...

echo "== gov test (embedded bundle)"
go run ./cmd/gov test embedded --library --coverage
