#!/usr/bin/env bash
# gov scan vs gitleaks dir, in one run, on:
#   0. the coverage table: every rule id of gitleaks' default config maps to
#      a gov rule (scan/testdata/gitleaks-coverage.tsv);
#   1. labelled evaluation sets (bench/scaneval), one generated secret per
#      file: gov's own (227 types in up to five file formats, plus
#      look-alike files that are not credentials), and three built from
#      other scanners' published formats (detect-secrets' plugins,
#      trufflehog's detectors, secrets-patterns-db): file recall per type
#      and overall, and look-alike files flagged;
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

echo "== gitleaks' default rule ids against scan/testdata/gitleaks-coverage.tsv"
cfg=$(go env GOMODCACHE)/github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION/config/gitleaks.toml
missing=$(comm -23 <(sed -n 's/^id = "\(.*\)"$/\1/p' "$cfg" | sort -u) <(grep -v '^#' scan/testdata/gitleaks-coverage.tsv | cut -f1 | sort -u))
if [ -n "$missing" ]; then
	echo "gitleaks rule ids with no gov rule in the table: $missing" >&2
	exit 1
fi
echo "all $(grep -c '^id = ' "$cfg") rule ids mapped (TestGitleaksCoverage scans an example of each)"

# Sets: own (gov's labelled set with look-alikes), detect-secrets (formats of
# its plugins), trufflehog and secrets-patterns-db (values generated from
# their published patterns by `scaneval extract`, bench/scaneval/sets/).
# The two large sets list only the types where the tools differ (DIFF_ONLY).
for set in own detect-secrets trufflehog secrets-patterns-db; do
	echo
	echo "== labelled set: $set"
	"$bin/scaneval" gen -set "$set" -o "$work/$set" -seed "$SEED"
	"$bin/gov" scan "$work/$set" --format json >"$work/$set-gov.json" || true
	"$bin/gitleaks" dir --no-banner --exit-code 0 --log-level error -f json -r "$work/$set-gitleaks.json" "$work/$set"
	diff_only=""
	case $set in trufflehog | secrets-patterns-db) [ -n "${ALL_TYPES:-}" ] || diff_only=-diff-only ;; esac
	"$bin/scaneval" score -dir "$work/$set" $diff_only "gov=$work/$set-gov.json" "gitleaks=$work/$set-gitleaks.json"
done

echo
# The module cache's download cache (zip files, VCS metadata) is not code:
# each top-level directory but cache/ is scanned on its own.
roots=()
for d in "$NOISE_DIR"/*; do
	[ -d "$d" ] && [ "$(basename "$d")" != cache ] && roots+=("$d")
done
echo "== real code: $NOISE_DIR ($(du -scm "${roots[@]}" | tail -1 | cut -f1) MB in ${#roots[@]} directories)"
mkdir -p "$work/noise"
t0=$(date +%s%N)
for d in "${roots[@]}"; do
	"$bin/gov" scan "$d" --format json >"$work/noise/gov-$(basename "$d").json" || true
done
t1=$(date +%s%N)
for d in "${roots[@]}"; do
	"$bin/gitleaks" dir --no-banner --exit-code 0 --log-level error -f json -r "$work/noise/gitleaks-$(basename "$d").json" "$d"
done
t2=$(date +%s%N)
printf "wall time: gov %.1f s, gitleaks %.1f s\n" "$(echo "($t1-$t0)/1000000000" | bc -l)" "$(echo "($t2-$t1)/1000000000" | bc -l)"
# Findings per rule and a seeded sample of SAMPLE findings of each tool, as
# path:line rule (never the value), to open and label by hand.
bench/scan-noise-sample.py --root "$NOISE_DIR" --sample "$SAMPLE" --seed "$SEED" \
	gov="$work/noise/gov-*.json" gitleaks="$work/noise/gitleaks-*.json"
