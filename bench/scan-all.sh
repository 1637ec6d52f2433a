#!/usr/bin/env bash
# Issue 18's figures in one run, gov beside gitleaks (one installed copy):
# recall per type and overall on the labelled sets (bench/scan-eval.sh), the
# hand-labelled noise sample on real code (bench/scan-noise.sh) and history
# scan time and memory (bench/scan-history.sh). Knobs are those scripts'.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
export BENCH_BIN=${BENCH_BIN:-$(mktemp -d)/bin}
mkdir -p "$BENCH_BIN"
echo "# bench/scan-all.sh at $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for s in scan-eval scan-noise scan-history; do
	echo
	echo "######## bench/$s.sh"
	bash "bench/$s.sh"
done
echo
echo "# done, load $(cut -d' ' -f1-3 /proc/loadavg)"
