#!/usr/bin/env bash
# gov eval as a whole process vs conftest test and opa eval on an equivalent
# policy and input, side by side in one run: median wall time and peak RSS of
# 20 runs each. gov loads its bundle from a Git tag (DIR@REF), the others read
# the policy from a directory. Installs conftest and opa with `go install`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
RUNS=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="${BENCH_BIN:-$work/bin}"  # set BENCH_BIN to reuse installed peers
mkdir -p "$bin"

echo "== building gov and installing peers (conftest, opa)"
go build -o "$bin/gov" ./cmd/gov
[ -x "$bin/conftest" ] || GOBIN="$bin" go install github.com/open-policy-agent/conftest@v0.71.1
[ -x "$bin/opa" ] || GOBIN="$bin" go install github.com/open-policy-agent/opa@v1.22.3

# One policy, the same for all three (bench/policy): deny deleting tests,
# require approval for protected paths; gov's library is off there.
cp -r bench/policy "$work/policy"
git -C "$work/policy" init -q
git -C "$work/policy" add .
git -C "$work/policy" -c user.name=bench -c user.email=bench@example.com commit -qm policy
git -C "$work/policy" tag v1

patch=testdata/patches/large-500.diff
"$bin/gov" eval --bundle embedded --patch "$patch" --env staging --print-input > "$work/input.json"

echo "== $(wc -l < "$patch") line patch, $RUNS runs each"
measure() { go run ./bench/measure -n "$RUNS" "$@"; }
measure -name "gov" -ok 0,1,3 -- "$bin/gov" eval --bundle "$work/policy@v1" --patch "$patch" --env staging
measure -name "gov+library" -ok 0,1,3 -- "$bin/gov" eval --bundle embedded --patch "$patch" --env staging
measure -name "conftest" -ok 0,1 -- "$bin/conftest" test --no-color --namespace gov.bench -p "$work/policy/policies" "$work/input.json"
measure -name "opa eval" -ok 0 -- "$bin/opa" eval --fail-defined=false -d "$work/policy/policies/bench.rego" -i "$work/input.json" 'data.gov.bench'
ls -l "$bin/gov" "$bin/conftest" "$bin/opa" | awk '{printf "%-10s %6.1f MB\n", $NF, $5/1048576}' | sed "s#$bin/##"
