#!/usr/bin/env bash
# golangci-lint (config in .golangci.yml), installed with go install at a
# pinned version into .bin/ unless already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
version=v2.15.0
bin="$PWD/.bin"
if ! "$bin/golangci-lint" version 2>/dev/null | grep -q "${version#v}"; then
  echo "== installing golangci-lint $version"
  GOBIN="$bin" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
fi
echo "== golangci-lint"
"$bin/golangci-lint" run ./...
