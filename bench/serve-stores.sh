#!/usr/bin/env bash
# gov serve POST /v1/eval with no audit store, an audit directory and a
# PostgreSQL audit store (bench/pgserver: a throwaway cluster, fsync off as
# in the tests), in one run, on loopback: requests/s and p50/p99 latency at
# 8 and 64 concurrent clients (bench/loadclient), and the recording cost:
# each store's throughput against no store's (target at 64 clients:
# PostgreSQL costs at most 30%, i.e. >= 0.70x), and the CPU per request of
# gov, of the PostgreSQL server and of the client, whose ratio is that of
# the throughputs on a machine given to the test (requests/s on a shared
# one follow its load). Every answer of a recording
# server is sent after its record is written; each request has its own
# request id (loadclient -unique), so each is a record of its own.
# Knobs: N (requests per run, 20000), D (time bound per run, 15s), ROUNDS
# (runs of each store in turn, 1), STORES ("none dir pg"; "none2" adds a
# second server with no store, whose ratio to none is the run's noise: what
# a ratio of one round varies by with no recording at all), CLIENTS ("8 64").
# Per run also: the rows each PostgreSQL transaction wrote (the write
# batches' size) and the machine's idle CPU (%: the client, gov and the
# database waiting on one another). At the end: the records' size in
# PostgreSQL (body, body as stored: a smaller second figure means the
# database compressed them) and the database's background work
# (autovacuum, checkpoints), which lands in whichever run it falls in.
# PIN=1 runs every gov serve on CPU 0 and PostgreSQL and the client on the
# other CPUs (taskset), as a deployment does with the database on machines
# of its own: the throughput ratio is then gov's own, not the share of two
# cores left to it beside PostgreSQL and the client.
# BASE=<git revision> adds pgbase: gov
# built from that revision on a PostgreSQL store of its own, measured in the
# same run next to pg ("before" figures).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-20000}
D=${D:-15s}
ROUNDS=${ROUNDS:-1}
read -ra stores <<<"${STORES:-none dir pg}"
read -ra clients <<<"${CLIENTS:-8 64}"
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
if [ -n "${BASE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/gov-base" ./cmd/gov)
	stores+=(pgbase)
fi
cp -r bench/policy "$work/policy"
python3 - testdata/patches/auth-change.diff "$work" <<'PY'
import json, sys
patch, work = sys.argv[1], sys.argv[2]
req = {"request_id": "bench-1", "action_type": "code_fix", "environment": "staging",
       "service_name": "user_service", "language": "python", "requested_by": "healer-bot",
       "patch_content": open(patch).read()}
json.dump(req, open(work + "/body.json", "w"))
PY
on_gov=() on_rest=()
if [ "${PIN:-}" = 1 ]; then
	on_gov=(taskset -c 0) on_rest=(taskset -c "1-$(($(nproc) - 1))")
fi
"${on_rest[@]}" "$work/pgserver" -url-file "$work/urls" -create gov_serve,gov_base &
pids+=("$!")
for _ in $(seq 120); do [ -s "$work/urls" ] && break; sleep 1; done
db=$(sed -n 1p "$work/urls")
dbbase=$(sed -n 2p "$work/urls")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
token=bench-token
declare -A port gpid
for store in "${stores[@]}"; do
	port[$store]=$(free_port)
	args=(serve --addr "127.0.0.1:${port[$store]}" --bundle "$work/policy" --log-level error)
	gov=$work/gov
	case $store in
	dir) args+=(--audit-dir "$work/audit") ;;
	pg) args+=(--audit-dir "$db") ;;
	pgbase) args+=(--audit-dir "$dbbase") gov=$work/gov-base ;;
	esac
	GOV_API_TOKEN=$token "${on_gov[@]}" "$gov" "${args[@]}" 2>"$work/gov-$store.log" &
	pids+=("$!")
	gpid[$store]=$!
	wait_up "http://127.0.0.1:${port[$store]}/healthz"
done

# CPU time (user + system, clock ticks) of a process, and of the PostgreSQL
# server with its backends (psql finds it; 0 without psql): steadier than
# requests/s on a shared machine.
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The server is the parent of its checkpointer.
pm=$(psql "$db" -Atc "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'" 2>/dev/null | xargs -r -I{} awk '{print $4}' /proc/{}/stat || true)
pg_cpu() {
	[ -n "$pm" ] || { echo 0; return; }
	local t
	t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
	for c in $(cat "/proc/$pm/task/$pm/children"); do
		t=$((t + $(cpu_of "$c" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# The chain's head of a PostgreSQL store (0 for the others, or without
# psql), and the rows per transaction appended after head h: rows over
# their distinct writing transactions (xmin), i.e. the write batches' size.
db_of() { case $1 in pg) echo "$db" ;; pgbase) echo "$dbbase" ;; esac; }
head_of() {
	local u
	u=$(db_of "$1")
	[ -n "$u" ] && psql "$u" -Atc "SELECT seq FROM gov_audit_head" 2>/dev/null || echo 0
}
rows_per_commit() {
	local u
	u=$(db_of "$1")
	[ -n "$u" ] && psql "$u" -Atc "SELECT round(count(*)::numeric / greatest(count(DISTINCT xmin::text), 1), 1) FROM gov_audit WHERE seq > $2" 2>/dev/null || echo -
}
# The machine's idle and total CPU time so far (clock ticks): idle time
# during a run is CPU the test left unused (the client, gov or the
# database waiting on one another), which makes requests/s lower than the
# CPU per request alone says.
idle_all() { awk '/^cpu / {t = 0; for (f = 2; f <= NF; f++) t += $f; print $5 + $6, t}' /proc/stat; }
hz=$(getconf CLK_TCK)
TIMEFORMAT='%U %S'

echo "== at most $N requests or $D per run; $(nproc) cores, shared${PIN:+, gov pinned to CPU 0, PostgreSQL and client to the rest}; load $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results.txt"
printf "%5s %-6s %4s %8s %5s %9s %9s %9s   %-37s %s\n" round store c requests fail "req/s" "p50 ms" "p99 ms" "CPU ms/request: gov + postgres + client" "rows/commit  idle %"
# Even rounds run the stores in reverse order, so that a machine growing
# faster or slower during the run favours neither (none, pg, pg, none, ...).
reversed=()
for ((i = ${#stores[@]} - 1; i >= 0; i--)); do reversed+=("${stores[i]}"); done
for round in $(seq "$ROUNDS"); do
	order=("${stores[@]}")
	((round % 2)) || order=("${reversed[@]}")
	for c in "${clients[@]}"; do
		for store in "${order[@]}"; do
			# Request ids of their own in each round: a record per request.
			sed "s/bench-1/bench-r$round/" "$work/body.json" >"$work/body-$round.json"
			g0=$(cpu_of "${gpid[$store]}") p0=$(pg_cpu) h0=$(head_of "$store") i0=$(idle_all)
			{ time "${on_rest[@]}" "$work/loadclient" -name "$store" -c "$c" -n "$N" -d "$D" -token "$token" -body "$work/body-$round.json" -unique "bench-r$round" \
				-url "http://127.0.0.1:${port[$store]}/v1/eval" >"$work/run.txt"; } 2>"$work/time.txt"
			g1=$(cpu_of "${gpid[$store]}") p1=$(pg_cpu) i1=$(idle_all)
			pgd=0
			case $store in pg | pgbase) pgd=$((p1 - p0)) ;; esac
			# Per request (warm-up included): gov's CPU, the database's, the
			# client's (ms); the rows each of the store's transactions wrote.
			awk -v r="$round" -v g=$((g1 - g0)) -v p=$pgd -v hz="$hz" -v w=200 -v ct="$(cat "$work/time.txt")" -v b="$(rows_per_commit "$store" "$h0")" -v i="$i0 $i1" \
				'{n = $3 + w; split(ct, t, " "); split(i, x, " "); d = x[4] - x[2]; print r, $0, 1000 * g / hz / n, 1000 * p / hz / n, 1000 * (t[1] + t[2]) / n, b, 100 * (x[3] - x[1]) / (d ? d : 1)}' "$work/run.txt" | tee -a "$results"
		done
	done
done | awk '{printf "%5d %-6s %4d %8d %5d %9.0f %9.3f %9.3f   %.3f + %.3f + %.3f %17s %7.1f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13}'
echo "== recording cost: throughput against no store of the same round (PostgreSQL target >= 0.70x at 64 clients)"
# cpu: no store's CPU per request (gov + client) over the store's (gov +
# postgres + client): the throughput ratio of a machine given to the test.
# gov cpu: gov's alone: the ratio with the database and clients elsewhere.
awk '{key=$1" "$2" "$3; r[key]=$6; p[key]=$8; cpu[key]=$9+$10+$11; g[key]=$9} END {for (c in r) { split(c, k, " "); if (k[2] != "none") {
	n = k[1] " none " k[3]; printf "round %d %-6s c=%-3s req/s %.2fx   p99 %.2fx   cpu %.2fx   gov cpu %.2fx\n", k[1], k[2], k[3], r[c]/r[n], p[c]/p[n], cpu[n]/cpu[c], g[n]/g[c] }}}' "$results" | sort -k4,4 -k3,3 -k2,2n
# Over the rounds: the median of each store's ratios, and the rounds at or
# above 0.70x (one run can fall on a checkpoint or on another tenant's
# burst; the median says where the store stands).
awk '{key=$1" "$2" "$3; r[key]=$6; cpu[key]=$9+$10+$11} END {for (c in r) { split(c, k, " "); if (k[2] != "none") {
	n = k[1] " none " k[3]; print k[2], k[3], r[c]/r[n], cpu[n]/cpu[c] }}}' "$results" | sort -k1,1 -k2,2n -k3,3n |
	awk '{key=$1" "$2; n[key]++; rr[key, n[key]] = $3; cc[key, n[key]] = $4; if ($3 >= 0.70) ok[key]++}
	function median(a, key, m,    i, j, t, v) { for (i = 1; i <= m; i++) v[i] = a[key, i]
		for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
		return m % 2 ? v[(m+1)/2] : (v[m/2] + v[m/2+1]) / 2 }
	END {for (key in n) { split(key, k, " "); printf "median of %d rounds %-6s c=%-3s req/s %.2fx   cpu %.2fx   rounds >= 0.70x: %d of %d\n", n[key], k[1], k[2], median(rr, key, n[key]), median(cc, key, n[key]), ok[key], n[key] }}' | sort -k6,6 -k5,5
echo "records in PostgreSQL (one per request answered, warm-ups included): $(psql "$db" -Atc "SELECT count(*) FROM gov_audit WHERE kind = 'record'" 2>/dev/null || echo '(psql not installed)')"
echo "record size in PostgreSQL (bytes: body, body as stored, summary): $(psql "$db" -Atc "SELECT round(avg(octet_length(body))), round(avg(pg_column_size(body))), round(avg(octet_length(summary))) FROM gov_audit WHERE kind = 'record'" 2>/dev/null || echo '(psql not installed)')"
# Work PostgreSQL did beside the writes (it lands in whichever run it falls
# in): autovacuum and autoanalyze of the pg store's table, checkpoints.
sleep 1
bg_tables=$(psql "$db" -Atc "SELECT format('autovacuum %s, autoanalyze %s of gov_audit', autovacuum_count, autoanalyze_count) FROM pg_stat_user_tables WHERE relname = 'gov_audit'" 2>/dev/null || true)
bg_checkpoints=$(psql "$db" -Atc "SELECT format('checkpoints %s timed, %s requested', checkpoints_timed, checkpoints_req) FROM pg_stat_bgwriter" 2>/dev/null || true)
echo "PostgreSQL background work during the runs (store pg): ${bg_tables:-?}; ${bg_checkpoints:-?}"
