#!/usr/bin/env bash
# gov scan vs gitleaks dir, in one run, on:
#   1. a labelled evaluation set (bench/scaneval): one generated secret per
#      file for 216 types (gitleaks' default rule types, detect-secrets' and
#      trufflehog's formats, and types gitleaks lacks), each in up to five
#      file formats, plus look-alike files that are not credentials: file
#      recall per type and overall, and look-alike files flagged;
#   2. real third-party code (NOISE_DIR, default: the Go toolchain's source
#      tree; set it to $(go env GOMODCACHE) for hundreds of MB): findings per
#      tool, wall time, and a seeded sample of SAMPLE findings of each tool
#      (file:line rule, never the value) to label by hand.
# Installs gitleaks with `go install`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
GITLEAKS_VERSION=${GITLEAKS_VERSION:-v8.30.1}
NOISE_DIR=${NOISE_DIR:-$(go env GOROOT)/src}
SAMPLE=${SAMPLE:-20}
SEED=${SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="${BENCH_BIN:-$work/bin}"  # set BENCH_BIN to reuse installed peers
mkdir -p "$bin"
go build -o "$bin/gov" ./cmd/gov
go build -o "$bin/scaneval" ./bench/scaneval
[ -x "$bin/gitleaks" ] || GOBIN="$bin" go install "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION"

echo "== labelled set"
"$bin/scaneval" gen -o "$work/eval" -seed "$SEED"
"$bin/gov" scan "$work/eval" --format json >"$work/gov.json" || true
"$bin/gitleaks" dir --no-banner --exit-code 0 --log-level error -f json -r "$work/gitleaks.json" "$work/eval"
"$bin/scaneval" score -dir "$work/eval" "gov=$work/gov.json" "gitleaks=$work/gitleaks.json"

echo
echo "== real code: $NOISE_DIR ($(du -sm "$NOISE_DIR" | cut -f1) MB)"
t0=$(date +%s%N)
"$bin/gov" scan "$NOISE_DIR" --format json >"$work/gov-noise.json" || true
t1=$(date +%s%N)
"$bin/gitleaks" dir --no-banner --exit-code 0 --log-level error -f json -r "$work/gitleaks-noise.json" "$NOISE_DIR"
t2=$(date +%s%N)
# sample prints SAMPLE findings of a report, seeded, as file:line rule.
sample() {
	python3 - "$1" "$2" "$NOISE_DIR" "$SAMPLE" "$SEED" <<'PY'
import json, random, sys, os
tool, path, root, n, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rep = json.load(open(path))
rows = rep["findings"] if isinstance(rep, dict) else rep
key = (lambda f: (f["File"], f["StartLine"], f["RuleID"])) if tool == "gitleaks" else (lambda f: (f["file"], f["line"], f["rule"]))
rows = sorted({key(f) for f in rows})
print(f"{tool}: {len(rows)} findings")
random.Random(seed).shuffle(rows)
for f, line, rule in sorted(rows[:n]):
    print(f"  {os.path.relpath(f, root) if os.path.isabs(f) else f}:{line} {rule}")
PY
}
printf "wall time: gov %.1f s, gitleaks %.1f s\n" "$(echo "($t1-$t0)/1000000000" | bc -l)" "$(echo "($t2-$t1)/1000000000" | bc -l)"
sample gov "$work/gov-noise.json"
sample gitleaks "$work/gitleaks-noise.json"
