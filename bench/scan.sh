#!/usr/bin/env bash
# gov scan vs gitleaks on the same labelled corpus, side by side in one run:
# throughput (MB/s from the median wall time of RUNS runs each, process start
# included), recall of planted secrets and false positives (distinct lines
# reported outside every planted secret). The corpus (bench/scancorpus) is
# realistic code in ten formats with fake secrets of every gov rule type and
# look-alikes that are not secrets. Installs gitleaks with `go install`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
RUNS=${RUNS:-5}
FILES=${FILES:-3000}
GITLEAKS_VERSION=${GITLEAKS_VERSION:-v8.30.1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="${BENCH_BIN:-$work/bin}"  # set BENCH_BIN to reuse installed peers
mkdir -p "$bin"

echo "== building gov and tools, installing gitleaks $GITLEAKS_VERSION"
go build -o "$bin/gov" ./cmd/gov
go build -o "$bin/scancompare" ./bench/scancompare
[ -x "$bin/gitleaks" ] || GOBIN="$bin" go install "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION"
"$bin/gitleaks" version

echo "== generating a corpus of $FILES files"
corpus="$work/corpus"
go run ./bench/scancorpus -o "$corpus" -files "$FILES"

# wall prints the wall time of one run of a command, in seconds.
wall() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	end=$(date +%s%N)
	echo "scale=4; ($end - $start) / 1000000000" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

gov_cmd() { "$bin/gov" scan "$corpus" --format json >"$work/gov.json"; }
gitleaks_cmd() {
	"$bin/gitleaks" dir --no-banner --exit-code 0 --report-format json \
		--report-path "$work/gitleaks.json" "$corpus"
}

echo "== $RUNS runs each, alternating"
: >"$work/gov.times"
: >"$work/gitleaks.times"
for _ in $(seq "$RUNS"); do
	wall gov_cmd >>"$work/gov.times"
	wall gitleaks_cmd >>"$work/gitleaks.times"
done
gov_s=$(median <"$work/gov.times")
gl_s=$(median <"$work/gitleaks.times")
echo "gov runs (s):      $(tr '\n' ' ' <"$work/gov.times")"
echo "gitleaks runs (s): $(tr '\n' ' ' <"$work/gitleaks.times")"
echo
"$bin/scancompare" -labels "$corpus/labels.json" -root "$corpus" ${VERBOSE:+-v} \
	"gov=$work/gov.json:$gov_s" "gitleaks=$work/gitleaks.json:$gl_s"
