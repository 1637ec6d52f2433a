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

# One policy, the same for all three: deny deleting tests, require approval
# for protected paths.
mkdir -p "$work/policy/policies"
cat > "$work/policy/policies/bench.rego" <<'REGO'
package gov.bench

deny contains msg if {
	some f in input.patch.files
	f.status == "deleted"
	regex.match(`(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.go$)`, f.path)
	msg := sprintf("%s: deleting a test is not allowed", [f.path])
}

require_approval contains msg if {
	some f in input.patch.files
	regex.match(`^(\.github/workflows/|auth/|infra/)`, f.path)
	msg := sprintf("%s: protected path", [f.path])
}
REGO
cat > "$work/policy/policies/bench_test.rego" <<'REGO'
package gov.bench

test_deleted if count(deny) == 1 with input as {"patch": {"files": [{"path": "tests/a.py", "status": "deleted"}]}}
REGO
# The same rules only: gov's built-in library is off in this bundle.
echo 'library: enabled: false' > "$work/policy/gov.cue"
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
