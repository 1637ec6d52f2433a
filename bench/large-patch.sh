#!/usr/bin/env bash
# gov eval on a ~50 MB patch with the built-in bundle: wall time, CPU time
# and peak RSS (medians of RUNS runs, the peak over them).
# BASE=<git revision> also measures gov built from that revision in the same
# run, the two alternating (run 1 of each, then run 2, ...: see bench/measure).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
MB=${MB:-50}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/gov" ./cmd/gov
go build -o "$work/measure" ./bench/measure
jobs=("gov eval" "0,1,3" "$work/gov" eval --patch "$work/big.diff" --env staging)
if [ -n "${BASE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/gov-base" ./cmd/gov)
	jobs+=(:: "gov@$BASE eval" "0,1,3" "$work/gov-base" eval --patch "$work/big.diff" --env staging)
fi
go run ./bench/genpatch -mb "$MB" -o "$work/big.diff"
echo "== gov eval on a $(du -m "$work/big.diff" | cut -f1) MB patch ($(stat -c %s "$work/big.diff") bytes, $(grep -c '^diff --git' "$work/big.diff") files); load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BASE:-}" ]; then
	"$work/measure" -n "$RUNS" -- "${jobs[@]}"
else
	"$work/measure" -n "$RUNS" -name "${jobs[0]}" -ok "${jobs[1]}" -- "${jobs[@]:2}"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/gov" eval --patch "$work/big.diff" --env staging | head -3
