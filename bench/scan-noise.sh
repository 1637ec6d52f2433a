#!/usr/bin/env bash
# Noise on real code, side by side in one run: gov scan and gitleaks dir
# (v8.30.1, default config) on the same seeded subset of the Go module cache,
# with findings per tool, CPU and wall time, and the hand labels of a seeded
# sample of each tool's findings extrapolated to "not credentials at all".
#
#   bench/scan-noise.sh                # BUDGET_MB=400 SEED=1 SAMPLE=60
#
# The subset: the module directories (module@version) of $(go env GOMODCACHE)
# outside cache/ (zips and VCS metadata are not code), ordered by a hash of
# SEED and their path and taken in that order while they fit in BUDGET_MB
# (the list is printed); a module added to the cache later moves none. Each
# directory is scanned by each tool on its own (gov first, then gitleaks, in
# the same run). The sample is drawn by bench/scan-noise-sample.py; labels
# are bench/scan-noise-labels.tsv, keyed by tool, path:line and rule
# (never the value), so a rerun on a changed cache or scanner lists the
# sampled findings nobody has labelled yet as "unlabelled".
# Installs gitleaks with `go install` into a directory the script owns.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
GITLEAKS_VERSION=${GITLEAKS_VERSION:-v8.30.1}
BUDGET_MB=${BUDGET_MB:-400}
SEED=${SEED:-1}
SAMPLE=${SAMPLE:-60}
MODCACHE=${MODCACHE:-$(go env GOMODCACHE)}
LABELS=${LABELS:-bench/scan-noise-labels.tsv}
if [ -n "${KEEP:-}" ]; then # KEEP=DIR keeps the reports there for labelling
	work=$KEEP
	rm -rf "$work/reports"
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
bin="${BENCH_BIN:-$work/bin}" # set BENCH_BIN to reuse installed peers
mkdir -p "$bin"
go build -o "$bin/gov" ./cmd/gov
[ -x "$bin/gitleaks" ] || GOBIN="$bin" go install "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION"
"$bin/gitleaks" version

# Module directories: the first path element holding an '@' below the root.
(cd "$MODCACHE" && find . -path ./cache -prune -o -type d -name '*@*' -prune -print | sed 's|^\./||' | sort) >"$work/modules"
python3 - "$MODCACHE" "$SEED" "$BUDGET_MB" "$work/modules" >"$work/subset" <<'EOF'
import hashlib, os, sys
root, seed, budget = sys.argv[1], sys.argv[2], float(sys.argv[3]) * 1e6
mods = [l.strip() for l in open(sys.argv[4]) if l.strip()]
# Ordered by a hash of seed and path: a module added to the cache later
# takes its own place and leaves the others' order alone.
mods.sort(key=lambda m: hashlib.sha256(f"{seed}:{m}".encode()).hexdigest())
# A module that would take the subset past the budget is left out (one
# large module would otherwise be most of it) and the next ones are tried.
total = 0
for m in mods:
    size = 0
    for dp, _, fs in os.walk(os.path.join(root, m)):
        for f in fs:
            p = os.path.join(dp, f)
            if not os.path.islink(p):
                size += os.path.getsize(p)
    if total + size > budget:
        continue
    total += size
    print(m)
EOF
mapfile -t subset <"$work/subset"
dirs=()
for m in "${subset[@]}"; do dirs+=("$MODCACHE/$m"); done
echo "== subset (seed $SEED): ${#subset[@]} of $(wc -l <"$work/modules") module directories, $(du -scm "${dirs[@]}" | tail -1 | cut -f1) MB"
printf '   %s\n' "${subset[@]}"
uptime

# name turns a module path into a report file name.
name() { printf '%s' "$1" | tr '/' ':'; }
mkdir -p "$work/reports"
TIMEFORMAT='%R %U %S'
# gitleaks reads .gitleaksignore from its working directory: run it from an
# empty one so only its default config applies.
mkdir -p "$work/cwd"
{ time (for m in "${subset[@]}"; do
	"$bin/gov" scan "$MODCACHE/$m" --format json >"$work/reports/gov-$(name "$m").json" || true
done); } 2>"$work/gov.time"
{ time (cd "$work/cwd" && for m in "${subset[@]}"; do
	"$bin/gitleaks" dir --no-banner --exit-code 0 --log-level error -f json \
		-r "$work/reports/gitleaks-$(name "$m").json" "$MODCACHE/$m"
done); } 2>"$work/gitleaks.time"
read -r gw gu gs <"$work/gov.time"
read -r lw lu ls <"$work/gitleaks.time"
echo
printf '%-10s %10s %10s\n' "" gov gitleaks
printf '%-10s %10.1f %10.1f\n' "cpu s" "$(echo "$gu+$gs" | bc)" "$(echo "$lu+$ls" | bc)"
printf '%-10s %10.1f %10.1f\n' "wall s" "$gw" "$lw"
uptime
echo
bench/scan-noise-sample.py --root "$MODCACHE" --sample "$SAMPLE" --seed "$SEED" --labels "$LABELS" --table \
	gov="$work/reports/gov-*.json" gitleaks="$work/reports/gitleaks-*.json"
