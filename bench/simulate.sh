#!/usr/bin/env bash
# gov simulate as a whole process on N generated audit records (default
# 100,000: small patches of eight kinds over seven services and three
# environments, written by bench/simgen), in three cases:
#   gated-change   the whole library on in both bundles; the candidate
#                  changes a custom package gated to Python files (3 of the
#                  8 kinds): only those records have it evaluated under both,
#                  and only those whose decision it changes are evaluated in full
#   evaluate-all   the same with --evaluate-all: every record under both
#   library-off    the embedded bundle against one with the library off:
#                  the data differ, so every record is evaluated under both
#   distinct       gated-change on records whose patches all differ
#                  (simgen -distinct): simgen's records repeat (about 2,000
#                  different inputs per 100,000), which gov simulate answers
#                  once per input; real audit logs repeat less, and this case
#                  is the figure with no input repeated
# Prints, per run, wall and CPU time (user+sys), records/s, peak RSS, how
# many records were evaluated in full (under both) and how many not (decided
# alike: no affected package applies, or "compared": the affected packages
# gave the same results under both), and how many evaluations were reused
# from a request alike in what the policies read. The target is under 30 s for
# 100,000 records on 2 cores.
# Knobs: N, RUNS (per case, default 1), CASES (default all four), AUDIT and AUDIT_DISTINCT (reuse simgen
# directories of N records), BASE=<git revision> (also gov built from that revision, in the
# same run, alternating; it has no --evaluate-all).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-100000}
RUNS=${RUNS:-1}
CASES=${CASES:-gated-change evaluate-all library-off distinct}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/gov" ./cmd/gov
govs=("$work/gov")
if [ -n "${BASE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/gov-base" ./cmd/gov)
	govs+=("$work/gov-base")
fi
audit=${AUDIT:-$work/audit}
[ -n "${AUDIT:-}" ] || go run ./bench/simgen -n "$N" -dir "$audit"
distinct=${AUDIT_DISTINCT:-$work/audit-distinct}
if [[ " $CASES " == *" distinct "* ]] && [ -z "${AUDIT_DISTINCT:-}" ]; then
	go run ./bench/simgen -distinct -n "$N" -dir "$distinct"
fi

mkdir -p "$work/off" "$work/v1/policies" "$work/v2/policies"
echo 'library: enabled: false' >"$work/off/gov.cue"
py() {
	cat <<EOF
# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["python"]
package gov.custom.python

require_approval contains sprintf("%s:%d: %s", [f.path, l.line, "$2"]) if {
	some f in input.patch.files
	some l in f.added
	contains(l.text, "$1")
}
EOF
}
py 'eval(' 'eval in a fix' >"$work/v1/policies/python.rego"
py 'not_found(' 'a new not-found path' >"$work/v2/policies/python.rego"

echo "== gov simulate, $N records, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # name gov args...
	local name=$1 gov=$2
	shift 2
	[[ " $CASES " == *" $name "* ]] || return 0
	local out="$work/report.json" dir=$audit
	[ "$name" != distinct ] || dir=$distinct
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$gov" simulate --audit-dir "$dir" --format json --output "$out" "$@" >/dev/null
	read -r wall user sys rss <"$work/time"
	local counts
	counts=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["total"], r["changed"], r.get("reevaluated", "-"), r.get("reused", "-"), r.get("unaffected", "-"), r.get("compared", "-"))' "$out")
	read -r total changed both reused alike compared <<<"$counts"
	awk -v n="$name" -v g="$(basename "$gov")" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v t="$total" -v c="$changed" -v b="$both" -v r="$reused" -v a="$alike" -v k="$compared" \
		'BEGIN { printf "%-13s %-8s %7.1f s wall %7.1f s CPU %7.0f records/s %5.0f MB  total %d changed %d in full %s not %s (compared %s) reused %s\n", n, g, w, u + s, t / w, m / 1024, t, c, b, a, k, r }'
}
for i in $(seq "$RUNS"); do
	for gov in "${govs[@]}"; do
		run gated-change "$gov" --bundle "$work/v2" --baseline "$work/v1"
		[ "$gov" != "$work/gov" ] || run evaluate-all "$gov" --bundle "$work/v2" --baseline "$work/v1" --evaluate-all
		run library-off "$gov" --bundle embedded --baseline "$work/off"
		run distinct "$gov" --bundle "$work/v2" --baseline "$work/v1"
	done
done
echo "== load $(cut -d' ' -f1-3 /proc/loadavg)"
