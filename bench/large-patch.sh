#!/usr/bin/env bash
# gov eval on a ~50 MB patch with the built-in bundle: wall time and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
MB=${MB:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/gov" ./cmd/gov
go run ./bench/genpatch -mb "$MB" -o "$work/big.diff"
echo "== gov eval on a $(du -m "$work/big.diff" | cut -f1) MB patch ($(grep -c '^diff --git' "$work/big.diff") files)"
go run ./bench/measure -n 3 -name "gov eval" -ok 0,1,3 -- "$work/gov" eval --patch "$work/big.diff" --env staging
"$work/gov" eval --patch "$work/big.diff" --env staging | head -3
