#!/usr/bin/env bash
# The PostgreSQL audit store on a throwaway cluster (bench/pgserver; fsync
# off, as in the tests), in one run:
#  - gov audit copy of N records (default 100,000, written by bench/simgen)
#    from an audit directory into PostgreSQL, then again (nothing new);
#    target under 60 s.
#  - gov report --framework soc2 over the same N records from the directory
#    and from PostgreSQL, then over M records (default 1,000,000, written by
#    bench/pggen) in PostgreSQL; target 1,000,000 in under 10 s, flat memory.
# Prints wall time and peak RSS (bench/measure). Needs initdb and pg_ctl
# (Debian's postgresql package).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
N=${N:-100000}
M=${M:-1000000}
work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid"; wait "$pid" || true; fi; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/gov" ./cmd/gov
go build -o "$work/pgserver" ./bench/pgserver
go build -o "$work/measure" ./bench/measure
"$work/pgserver" -url-file "$work/urls" -create gov_copy,gov_report & pid=$!
for _ in $(seq 120); do [ -s "$work/urls" ] && break; sleep 1; done
copy_db=$(sed -n 1p "$work/urls")
report_db=$(sed -n 2p "$work/urls")
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== writing $N records into a directory (bench/simgen)"
go run ./bench/simgen -n "$N" -dir "$work/audit"
echo "== gov audit copy: $N records, directory -> PostgreSQL (first run), then again"
"$work/measure" -n 1 -name "gov audit copy (new)" -- "$work/gov" audit copy --from "$work/audit" --to "$copy_db"
"$work/measure" -n 1 -name "gov audit copy (again)" -- "$work/gov" audit copy --from "$work/audit" --to "$copy_db"
"$work/gov" audit copy --from "$work/audit" --to "$copy_db" | sed 's#postgres://[^ ]*#DB#'

echo "== gov report --framework soc2 over $N records"
"$work/measure" -n 3 -name "report, directory" -- "$work/gov" report --framework soc2 --audit-dir "$work/audit" --output "$work/dir.json"
"$work/measure" -n 3 -name "report, postgres" -- "$work/gov" report --framework soc2 --audit-dir "$copy_db" --output "$work/pg.json"
grep -m1 '"records"' "$work/pg.json"

echo "== writing $M records into PostgreSQL (bench/pggen)"
start=$(date +%s)
go run ./bench/pggen -n "$M" -url "$report_db"
echo "written in $(( $(date +%s) - start )) s"
echo "== gov report --framework soc2 over $M records in PostgreSQL"
"$work/measure" -n 3 -name "report, postgres, $M" -- "$work/gov" report --framework soc2 --audit-dir "$report_db" --output "$work/pg-m.json"
grep -m1 '"records"' "$work/pg-m.json"
