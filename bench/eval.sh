#!/usr/bin/env bash
# gov eval as a whole process vs conftest test and opa eval on an equivalent
# policy and input, side by side in one run (issue 17's cases):
#   - gov version (process start-up alone) and gov scan --patch on the
#     3-line patch of the README (testdata/patches/python-null-check.diff);
#   - gov eval on that patch with the library off (bench/policy, the same two
#     rules conftest and opa get, bundle read from a Git tag) and on (the
#     embedded bundle, as users run it); conftest test and opa eval on the
#     same rules with the patch as gov's Rego input (JSON);
#   - the same on the 1,290-line testdata/patches/large-500.diff;
#   - gov eval on a generated 50 MB patch: wall time and peak RSS.
# All commands of a group run in turn (run 1 of each, then run 2, ...: see
# bench/measure), so that the machine's load falls on each alike; the
# figures are medians of RUNS runs (wall time, and CPU time, steadier on a
# busy machine) and the peak RSS over them.
# BASE=<git revision> also measures gov built from that revision in the same
# run ("before" figures). PARTS picks groups (default "small large big"). conftest and opa are taken from BENCH_BIN, PATH or
# ~/go/bin, else installed with `go install`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
RUNS=${RUNS:-21}
BIG_RUNS=${BIG_RUNS:-3}
MB=${MB:-50}
PARTS=${PARTS:-small large big}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="${BENCH_BIN:-$work/bin}"
mkdir -p "$bin"

echo "== building gov and bench/measure; peers (conftest, opa)"
go build -o "$work/gov" ./cmd/gov
go build -o "$work/measure" ./bench/measure
peer() { # peer NAME MODULE@VERSION: the path of an installed peer
	local p
	for p in "$bin/$1" "$(command -v "$1" || true)" "$HOME/go/bin/$1"; do
		if [ -n "$p" ] && [ -x "$p" ]; then
			echo "$p"
			return
		fi
	done
	GOBIN="$bin" go install "$2" >&2
	echo "$bin/$1"
}
conftest=$(peer conftest github.com/open-policy-agent/conftest@v0.71.1)
opa=$(peer opa github.com/open-policy-agent/opa@v1.22.3)
govs=("$work/gov")
names=("gov")
if [ -n "${BASE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/gov-base" ./cmd/gov)
	govs+=("$work/gov-base")
	names+=("gov@base")
fi

# One policy, the same for all three (bench/policy): deny deleting tests,
# require approval for protected paths; gov's library is off there.
cp -r bench/policy "$work/policy"
git -C "$work/policy" init -q
git -C "$work/policy" add .
git -C "$work/policy" -c user.name=bench -c user.email=bench@example.com commit -qm policy
git -C "$work/policy" tag v1

# cases PATCH: the measure arguments for one patch, every gov then the peers.
cases() {
	local patch=$1 label=$2 i
	"$work/gov" eval --bundle embedded --patch "$patch" --env staging --print-input > "$work/input-$label.json"
	for i in "${!govs[@]}"; do
		printf '%s\n' "${names[i]} eval $label lib off" "0,1,3" "${govs[i]}" eval --bundle "$work/policy@v1" --patch "$patch" --env staging ::
		printf '%s\n' "${names[i]} eval $label lib on" "0,1,3" "${govs[i]}" eval --bundle embedded --patch "$patch" --env staging ::
	done
	printf '%s\n' "conftest $label" "0,1" "$conftest" test --no-color --namespace gov.bench -p "$work/policy/policies" "$work/input-$label.json" ::
	printf '%s\n' "opa eval $label" "0" "$opa" eval --fail-defined=false -d "$work/policy/policies/bench.rego" -i "$work/input-$label.json" data.gov.bench
}
measure() { # measure N ARGS...: one alternating group, "::" between commands
	local n=$1
	shift
	"$work/measure" -n "$n" -- "$@" | tee -a "$work/figures"
}
# targets GOV LABEL: issue 17's targets for one gov (its name in the
# figures) on the patch LABEL, each next to the peer it is measured against
# in the same run (CPU time; wall time beside it).
targets() {
	awk -v gov="$1" -v label="$2" '
	function ms(line, key,   i, n, f) { n = split(line, f, " +"); for (i = 1; i < n; i++) if (f[i] == key) return f[i + 1] + 0; return -1 }
	function met(r, limit) { return r <= limit ? "met" : "NOT met" }
	{ name = $0; sub(/ +median.*/, "", name); cpu[name] = ms($0, "CPU"); wall[name] = ms($0, "median") }
	# row: a against b in CPU (wall beside it), the target (and goal) ratio.
	function row(what, a, b, limit, goal,   r) {
		if (!(a in cpu) || !(b in cpu)) return
		r = cpu[a] / cpu[b]
		printf "   %-28s %6.1f ms CPU = %.2fx %s (%.1f ms; wall %.2fx): %s <= %sx %s", what, cpu[a], r, b, cpu[b], wall[a] / wall[b], goal ? "goal" : "target", limit, met(r, limit)
		printf "\n"
	}
	END {
		off = gov " eval " label " lib off"; on = gov " eval " label " lib on"
		row(gov " eval, library off", off, "conftest " label, 1, 0)
		row(gov " eval, library off", off, "opa eval " label, 1, 1)
		row(gov " eval, whole library", on, "conftest " label, 1.5, 0)
		row(gov " eval, whole library", on, "conftest " label, 1, 1)
		v = gov " version"; s = gov " scan --patch " label
		if ((v in cpu) && (s in cpu)) printf "   %-28s %6.1f ms CPU = %s + %.1f ms: target <= + 5 ms %s\n", gov " scan --patch", cpu[s], v, cpu[s] - cpu[v], met(cpu[s] - cpu[v], 5)
	}' "$work/figures"
}

small=testdata/patches/python-null-check.diff
large=testdata/patches/large-500.diff
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each"
if [[ " $PARTS " == *" small "* ]]; then
echo "-- start-up and the $(grep -c '^[+-][^+-]' "$small")-line patch ($small)"
args=()
for i in "${!govs[@]}"; do
	args+=("${names[i]} version" 0 "${govs[i]}" version ::)
	args+=("${names[i]} scan --patch small" 0,1 "${govs[i]}" scan --patch "$small" ::)
done
mapfile -t more < <(cases "$small" small)
measure "$RUNS" "${args[@]}" "${more[@]}"
echo "   issue 17's targets (load $(cut -d' ' -f1-3 /proc/loadavg) after the runs):"
for name in "${names[@]}"; do targets "$name" small; done
fi
if [[ " $PARTS " == *" large "* ]]; then
echo "-- the $(wc -l < "$large")-line patch ($large)"
mapfile -t more < <(cases "$large" 1290)
measure "$RUNS" "${more[@]}"
for name in "${names[@]}"; do targets "$name" 1290; done
fi

if [[ " $PARTS " == *" big "* ]]; then
echo "-- a $MB MB patch, whole library, $BIG_RUNS runs each"
go run ./bench/genpatch -mb "$MB" -o "$work/big.diff"
echo "   $(du -m "$work/big.diff" | cut -f1) MB, $(grep -c '^diff --git' "$work/big.diff") files"
args=()
for i in "${!govs[@]}"; do
	# A generous time limit: on a busy machine the default 30 s is wall
	# time and fails closed (exit 2).
	args+=("${names[i]} eval ${MB} MB" 0,1,3 "${govs[i]}" eval --patch "$work/big.diff" --env staging --timeout 10m ::)
done
measure "$BIG_RUNS" "${args[@]}"
fi
ls -l "$work/gov" "$conftest" "$opa" | awk '{printf "%-10s %6.1f MB\n", $NF, $5/1048576}' | sed "s#.*/##"
