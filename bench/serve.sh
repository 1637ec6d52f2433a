#!/usr/bin/env bash
# gov serve (POST /v1/eval) vs opa run --server (POST /v1/data) with an
# equivalent policy, in one run, on loopback: requests/s and p50/p99 latency
# at 1, 8 and 64 concurrent clients, and gov's RSS before and after 100,000
# requests. gov gets the HealingActionRequest (it parses the diff, runs the
# secret scanner and evaluates); OPA gets the already-built input document.
# The built-in library is turned off in gov's bundle so both evaluate the same
# rules. Installs opa with `go install` (set BENCH_BIN to reuse it).
# Beside requests/s, each run gives the server's CPU time per request (user +
# system from /proc, warm-up included) and the client's: steadier than
# requests/s on a shared machine.
# Knobs: N (requests per run, 20000), D (time bound per run, 15s), ROUNDS
# (runs of every server in turn at each client count, 1), CLIENTS ("1 8 64"),
# RSS_N (100000; 0 skips the RSS run). BASE=<git revision> adds "base": gov
# built from that revision, measured in the same rounds next to gov and opa.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-20000}
D=${D:-15s}
RSS_N=${RSS_N:-100000}
ROUNDS=${ROUNDS:-1}
read -ra clients <<<"${CLIENTS:-1 8 64}"
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
bin="${BENCH_BIN:-$work/bin}"
mkdir -p "$bin"

echo "== building gov and loadclient, installing opa"
go build -o "$bin/gov" ./cmd/gov
go build -o "$work/loadclient" ./bench/loadclient
[ -x "$bin/opa" ] || GOBIN="$bin" go install github.com/open-policy-agent/opa@v1.22.3
servers=(gov opa)
if [ -n "${BASE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/gov-base" ./cmd/gov)
	servers=(gov base opa)
fi

# The policy of bench/eval.sh (bench/policy): deny deleting tests, require
# approval for protected paths; gov's library is off there.
cp -r bench/policy "$work/policy"

patch=${PATCH:-testdata/patches/auth-change.diff}
python3 - "$patch" "$work" <<'PY'
import json, sys
patch, work = sys.argv[1], sys.argv[2]
req = {"request_id": "bench-1", "action_type": "code_fix", "environment": "staging",
       "service_name": "user_service", "language": "python", "requested_by": "healer-bot",
       "patch_content": open(patch).read()}
json.dump(req, open(work + "/gov-body.json", "w"))
PY
"$bin/gov" eval --bundle "$work/policy" --request "$work/gov-body.json" --print-input > "$work/input.json"
python3 -c 'import json,sys; json.dump({"input": json.load(open(sys.argv[1]))}, open(sys.argv[2], "w"))' "$work/input.json" "$work/opa-body.json"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$1/status"; }

token=bench-token
declare -A port pid
for srv in "${servers[@]}"; do
	port[$srv]=$(free_port)
	case $srv in
	gov) GOV_API_TOKEN=$token "$bin/gov" serve --addr "127.0.0.1:${port[$srv]}" --bundle "$work/policy" --log-level error 2>"$work/gov.log" & ;;
	base) GOV_API_TOKEN=$token "$work/gov-base" serve --addr "127.0.0.1:${port[$srv]}" --bundle "$work/policy" --log-level error 2>"$work/base.log" & ;;
	opa) "$bin/opa" run --server --addr "127.0.0.1:${port[$srv]}" --log-level error "$work/policy/policies/bench.rego" >"$work/opa.log" 2>&1 & ;;
	esac
	pid[$srv]=$!
	pids+=("$!")
done
url() { if [ "$1" = opa ]; then echo "http://127.0.0.1:${port[$1]}/v1/data/gov/bench"; else echo "http://127.0.0.1:${port[$1]}/v1/eval"; fi; }
for srv in "${servers[@]}"; do
	if [ "$srv" = opa ]; then wait_up "http://127.0.0.1:${port[$srv]}/health"; else wait_up "http://127.0.0.1:${port[$srv]}/healthz"; fi
done
gpid=${pid[gov]}

# Both must reach the same decision on the same request.
curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" -d @"$work/gov-body.json" "$(url gov)" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print("gov decision:", d["decision"], [v["message"] for v in d["violations"]])'
curl -sf -d @"$work/opa-body.json" "$(url opa)" |
	python3 -c 'import json,sys; d=json.load(sys.stdin)["result"]; print("opa result:  ", {k: v for k, v in d.items() if v})'

# CPU time (user + system, clock ticks) of a process.
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
TIMEFORMAT='%U %S'

echo "== $(wc -l <"$patch") line patch ($patch); at most $N requests or $D per run; $(nproc) cores, shared; load $(cut -d' ' -f1-3 /proc/loadavg)"
gov_rss_before=$(rss "$gpid")
results="$work/results.txt"
printf "%5s %-5s %4s %8s %5s %9s %9s %9s   %s\n" round server c requests fail "req/s" "p50 ms" "p99 ms" "CPU ms/request: server + client"
for round in $(seq "$ROUNDS"); do
	for c in "${clients[@]}"; do
		for srv in "${servers[@]}"; do
			body=$work/gov-body.json auth=(-token "$token")
			[ "$srv" = opa ] && body=$work/opa-body.json auth=()
			s0=$(cpu_of "${pid[$srv]}")
			{ time "$work/loadclient" -name "$srv" -c "$c" -n "$N" -d "$D" "${auth[@]}" -body "$body" -url "$(url "$srv")" >"$work/run.txt"; } 2>"$work/time.txt"
			s1=$(cpu_of "${pid[$srv]}")
			# Per request (the 200 warm-up requests included): the server's CPU, the client's (ms).
			awk -v r="$round" -v s=$((s1 - s0)) -v hz="$hz" -v w=200 -v ct="$(cat "$work/time.txt")" \
				'{n = $3 + w; split(ct, t, " "); print r, $0, 1000 * s / hz / n, 1000 * (t[1] + t[2]) / n}' "$work/run.txt" | tee -a "$results"
		done
	done
	echo "load after round $round: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done | awk '{printf "%5d %-5s %4d %8d %5d %9.0f %9.3f %9.3f   %.4f + %.4f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}'
echo "== gov / opa in the same round (req/s goal >= 1.2x; CPU per request: opa's over gov's, higher is better)"
awk '{k=$1" "$3; r[$2" "k]=$6; p[$2" "k]=$8; cpu[$2" "k]=$9; seen[k]=1}
	END {for (k in seen) { split(k, a, " "); line = sprintf("round %d c=%-3s gov: req/s %.2fx  p99 %.2fx  cpu %.2fx", a[1], a[2], r["gov " k]/r["opa " k], p["gov " k]/p["opa " k], cpu["opa " k]/cpu["gov " k]);
		if (("base " k) in r) line = line sprintf("   base: req/s %.2fx  p99 %.2fx  cpu %.2fx", r["base " k]/r["opa " k], p["base " k]/p["opa " k], cpu["opa " k]/cpu["base " k]);
		print line }}' "$results" | sort -k2,2n -k3,3V

[ "$RSS_N" -gt 0 ] || exit 0
echo "== gov RSS over $RSS_N requests (8 clients)"
gov_rss_mid=$(rss "$gpid")
"$work/loadclient" -name gov -c 8 -n "$RSS_N" -d 600s -warmup 0 -token "$token" -body "$work/gov-body.json" -url "$(url gov)" >/dev/null
echo "gov RSS: at start $gov_rss_before; before the $RSS_N requests $gov_rss_mid; after them $(rss "$gpid")"
