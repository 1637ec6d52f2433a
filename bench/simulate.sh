#!/usr/bin/env bash
# gov simulate as a whole process on N generated audit records (default
# 10,000: small patches of eight kinds over seven services and three
# environments, written by bench/simgen): the embedded default bundle as
# candidate against a bundle with the library off as baseline, so both
# bundles are evaluated for every record. Prints the wall time of each run
# and records/s. The target is under 10 s for 10,000 records.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-10000}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/gov" ./cmd/gov
go run ./bench/simgen -n "$N" -dir "$work/audit"
mkdir -p "$work/baseline"
echo 'library: enabled: false' > "$work/baseline/gov.cue"

echo "== gov simulate, $N records, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Wall time depends on what else runs: CPU time (user+sys) is printed too.
TIMEFORMAT='%R %U %S'
for i in $(seq "$RUNS"); do
	t=$( { time "$work/gov" simulate --bundle embedded --baseline "$work/baseline" --audit-dir "$work/audit" \
		--format json --output "$work/report.json" >/dev/null; } 2>&1 | tail -1)
	awk -v t="$t" -v n="$N" 'BEGIN { split(t, a, " "); printf "run %d: %.2f s wall, %.0f records/s, %.2f s CPU\n", '"$i"', a[1], n / a[1], a[2] + a[3] }'
done
for key in total changed errors; do grep -m1 "\"$key\"" "$work/report.json"; done | tr -d ' ,\n'; echo
