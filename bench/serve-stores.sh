#!/usr/bin/env bash
# gov serve POST /v1/eval with no audit store, an audit directory and a
# PostgreSQL audit store (bench/pgserver: a throwaway cluster, fsync off as
# in the tests), in one run, on loopback: requests/s and p50/p99 latency at
# 8 and 64 concurrent clients (bench/loadclient), and the recording cost:
# each store's throughput against no store's (target at 64 clients:
# PostgreSQL costs at most 30%, i.e. >= 0.70x). Every answer of a recording
# server is sent after its record is written; each request has its own
# request id (loadclient -unique), so each is a record of its own.
# Knobs: N (requests per run, 20000), D (time bound per run, 15s).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-20000}
D=${D:-15s}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building gov, loadclient and pgserver"
go build -o "$work/gov" ./cmd/gov
go build -o "$work/loadclient" ./bench/loadclient
go build -o "$work/pgserver" ./bench/pgserver
cp -r bench/policy "$work/policy"
python3 - testdata/patches/auth-change.diff "$work" <<'PY'
import json, sys
patch, work = sys.argv[1], sys.argv[2]
req = {"request_id": "bench-1", "action_type": "code_fix", "environment": "staging",
       "service_name": "user_service", "language": "python", "requested_by": "healer-bot",
       "patch_content": open(patch).read()}
json.dump(req, open(work + "/body.json", "w"))
PY
"$work/pgserver" -url-file "$work/urls" -create gov_serve &
pids+=("$!")
for _ in $(seq 120); do [ -s "$work/urls" ] && break; sleep 1; done
db=$(sed -n 1p "$work/urls")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
token=bench-token
declare -A port
for store in none dir pg; do
	port[$store]=$(free_port)
	args=(serve --addr "127.0.0.1:${port[$store]}" --bundle "$work/policy" --log-level error)
	case $store in
	dir) args+=(--audit-dir "$work/audit") ;;
	pg) args+=(--audit-dir "$db") ;;
	esac
	GOV_API_TOKEN=$token "$work/gov" "${args[@]}" 2>"$work/gov-$store.log" &
	pids+=("$!")
	wait_up "http://127.0.0.1:${port[$store]}/healthz"
done

echo "== at most $N requests or $D per run; $(nproc) cores, shared; load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results.txt"
printf "%-5s %4s %8s %5s %9s %9s %9s\n" store c requests fail "req/s" "p50 ms" "p99 ms"
for c in 8 64; do
	for store in none dir pg; do
		"$work/loadclient" -name "$store" -c "$c" -n "$N" -d "$D" -token "$token" -body "$work/body.json" -unique bench-1 \
			-url "http://127.0.0.1:${port[$store]}/v1/eval" | tee -a "$results"
	done
done | awk '{printf "%-5s %4d %8d %5d %9.0f %9.3f %9.3f\n", $1, $2, $3, $4, $5, $6, $7}'
echo "== recording cost: throughput against no store (PostgreSQL target >= 0.70x at 64 clients)"
awk '{r[$1" "$2]=$5; p[$1" "$2]=$7} END {for (c in r) { split(c, k, " "); if (k[1] != "none")
	printf "%-4s c=%-3s req/s %.2fx   p99 %.2fx\n", k[1], k[2], r[c]/r["none " k[2]], p[c]/p["none " k[2]] }}' "$results" | sort
echo "records in PostgreSQL (one per request answered, warm-ups included): $(psql "$db" -Atc "SELECT count(*) FROM gov_audit WHERE kind = 'record'" 2>/dev/null || echo '(psql not installed)')"
