#!/usr/bin/env bash
# gov report over M generated records (default 1,000,000, bench/pggen) in a
# PostgreSQL audit store on a throwaway cluster (bench/pgserver, fsync off),
# in one run, each output the report can take:
#  - --format csv (one row per control) and --format html: the counts are
#    summed in SQL, the population is not read (HTML lists none above
#    10,000 decisions); target under 10 s with flat memory.
#  - --format csv --population --sample 25: the population streamed once to
#    draw the sample.
#  - --format json and --format csv --population: every decision streamed
#    to the output as it is read (memory stays flat; time is that of
#    decoding every record).
# Prints wall time and peak RSS (bench/measure; the JSON run also through
# /usr/bin/time -v). Needs initdb and pg_ctl (Debian's postgresql package).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
M=${M:-1000000}
work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid"; wait "$pid" || true; fi; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/gov" ./cmd/gov
go build -o "$work/pgserver" ./bench/pgserver
go build -o "$work/measure" ./bench/measure
go build -o "$work/pggen" ./bench/pggen
"$work/pgserver" -url-file "$work/urls" -create gov_report & pid=$!
for _ in $(seq 120); do [ -s "$work/urls" ] && break; sleep 1; done
db=$(sed -n 1p "$work/urls")
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== writing $M records into PostgreSQL (bench/pggen, batches of 2,000 by COPY)"
start=$(date +%s)
"$work/pggen" -n "$M" -url "$db"
echo "written in $(( $(date +%s) - start )) s"

echo "== gov report --framework soc2 over $M records in PostgreSQL"
"$work/measure" -n 3 -name "csv (controls), $M" -- "$work/gov" report --framework soc2 --audit-dir "$db" --format csv --output "$work/r.csv"
"$work/measure" -n 3 -name "html, $M" -- "$work/gov" report --framework soc2 --audit-dir "$db" --format html --output "$work/r.html"
"$work/measure" -n 1 -name "csv --population --sample 25, $M" -- "$work/gov" report --framework soc2 --audit-dir "$db" --format csv --population --sample 25 --seed 1 --output "$work/s.csv"
"$work/measure" -n 1 -name "csv --population (streamed), $M" -- "$work/gov" report --framework soc2 --audit-dir "$db" --format csv --population --output "$work/p.csv"
/usr/bin/time -v "$work/gov" report --framework soc2 --audit-dir "$db" --format json --output "$work/r.json" 2> "$work/time.txt"
echo "json (population streamed), $M: $(grep -E 'Elapsed' "$work/time.txt" | sed 's/.*: //') wall, peak RSS $(grep -E 'Maximum resident' "$work/time.txt" | sed 's/.*: //') KB"
echo "== outputs"
grep -m1 '"records"' "$work/r.json"
echo "population rows: csv $(( $(wc -l < "$work/p.csv") - 1 )), sample $(( $(wc -l < "$work/s.csv") - 1 )); json $(wc -c < "$work/r.json") bytes; html $(wc -c < "$work/r.html") bytes"
grep -o 'id="population-elsewhere"' "$work/r.html" || true
