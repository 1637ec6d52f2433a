#!/usr/bin/env bash
# gov eval --sign (key-based) vs plain gov eval, whole processes in one run:
# median wall time and peak RSS of RUNS runs each, with a cosign-format
# (scrypt-encrypted) key and with a plain PEM key.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
RUNS=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/gov" ./cmd/gov
export COSIGN_PASSWORD=bench-password
"$work/gov" audit keygen --output-key-prefix "$work/gov" >/dev/null
openssl genpkey -algorithm ed25519 -out "$work/plain.pem" 2>/dev/null || true
patch=testdata/patches/python-null-check.diff
m() { go run ./bench/measure -n "$RUNS" "$@"; }
m -name "eval" -- "$work/gov" eval --patch "$patch" --env staging
m -name "eval+audit" -- "$work/gov" eval --patch "$patch" --env staging --audit-dir "$work/a1"
m -name "eval+sign(cosign key)" -- "$work/gov" eval --patch "$patch" --env staging --audit-dir "$work/a2" --sign key --key "$work/gov.key"
if [ -s "$work/plain.pem" ]; then
  m -name "eval+sign(PEM key)" -- "$work/gov" eval --patch "$patch" --env staging --audit-dir "$work/a3" --sign key --key "$work/plain.pem"
fi
