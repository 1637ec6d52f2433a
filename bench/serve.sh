#!/usr/bin/env bash
# gov serve (POST /v1/eval) vs opa run --server (POST /v1/data) with an
# equivalent policy, in one run, on loopback: requests/s and p50/p99 latency
# at 1, 8 and 64 concurrent clients, and gov's RSS before and after 100,000
# requests. gov gets the HealingActionRequest (it parses the diff, runs the
# secret scanner and evaluates); OPA gets the already-built input document.
# The built-in library is turned off in gov's bundle so both evaluate the same
# rules. Installs opa with `go install` (set BENCH_BIN to reuse it).
# Knobs: N (requests per run, 20000), D (time bound per run, 15s), RSS_N (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-20000}
D=${D:-15s}
RSS_N=${RSS_N:-100000}
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

gport=$(free_port)
oport=$(free_port)
token=bench-token
GOV_API_TOKEN=$token "$bin/gov" serve --addr "127.0.0.1:$gport" --bundle "$work/policy" --log-level error 2>"$work/gov.log" &
gpid=$!
pids+=("$gpid")
"$bin/opa" run --server --addr "127.0.0.1:$oport" --log-level error "$work/policy/policies/bench.rego" >"$work/opa.log" 2>&1 &
opid=$!
pids+=("$opid")
wait_up "http://127.0.0.1:$gport/healthz"
wait_up "http://127.0.0.1:$oport/health"

# Both must reach the same decision on the same request.
curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" -d @"$work/gov-body.json" "http://127.0.0.1:$gport/v1/eval" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print("gov decision:", d["decision"], [v["message"] for v in d["violations"]])'
curl -sf -d @"$work/opa-body.json" "http://127.0.0.1:$oport/v1/data/gov/bench" |
	python3 -c 'import json,sys; d=json.load(sys.stdin)["result"]; print("opa result:  ", {k: v for k, v in d.items() if v})'

echo "== $(wc -l <"$patch") line patch ($patch); at most $N requests or $D per run; $(nproc) cores, shared"
gov_rss_before=$(rss "$gpid")
printf "%-5s %4s %8s %5s %9s %9s %9s\n" server c requests fail "req/s" "p50 ms" "p99 ms"
results="$work/results.txt"
for c in 1 8 64; do
	"$work/loadclient" -name gov -c "$c" -n "$N" -d "$D" -token "$token" -body "$work/gov-body.json" -url "http://127.0.0.1:$gport/v1/eval" | tee -a "$results"
	"$work/loadclient" -name opa -c "$c" -n "$N" -d "$D" -body "$work/opa-body.json" -url "http://127.0.0.1:$oport/v1/data/gov/bench" | tee -a "$results"
done | awk '{printf "%-5s %4d %8d %5d %9.0f %9.3f %9.3f\n", $1, $2, $3, $4, $5, $6, $7}'
echo "== gov / opa"
awk '$1=="gov"{g[$2]=$5; gp[$2]=$7} $1=="opa"{o[$2]=$5; op[$2]=$7}
	END {for (c in g) printf "c=%-3s req/s %.2fx (goal >= 0.8)   p99 %.2fx (goal <= 2)\n", c, g[c]/o[c], gp[c]/op[c]}' "$results" | sort -t= -k2 -n

echo "== gov RSS over $RSS_N requests (8 clients)"
gov_rss_mid=$(rss "$gpid")
"$work/loadclient" -name gov -c 8 -n "$RSS_N" -d 600s -warmup 0 -token "$token" -body "$work/gov-body.json" -url "http://127.0.0.1:$gport/v1/eval" >/dev/null
echo "gov RSS: at start $gov_rss_before; before the $RSS_N requests $gov_rss_mid; after them $(rss "$gpid")"
