#!/usr/bin/env bash
# gov scan --git vs gitleaks git on the same histories, side by side in one
# run: median wall time and peak RSS (bench/measure) of RUNS runs each.
#   1. a history that looks like a working project's: the first commit imports
#      FILES real .go files from the Go toolchain's source tree, then COMMITS
#      commits edit one to three files by a few lines (bench/genhistory -tree);
#   2. this repository's own history (a --mirror clone of it);
#   3. with MB set (e.g. MB=1024), also the large synthetic history of MB
#      megabytes of file versions, gov only, for bounded memory.
# Needs the git binary. Installs gitleaks with `go install`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
RUNS=${RUNS:-3}
FILES=${FILES:-2000}
COMMITS=${COMMITS:-1500}
GITLEAKS_VERSION=${GITLEAKS_VERSION:-v8.30.1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="${BENCH_BIN:-$work/bin}"  # set BENCH_BIN to reuse installed peers
mkdir -p "$bin"
go build -o "$bin/gov" ./cmd/gov
go build -o "$bin/measure" ./bench/measure
[ -x "$bin/gitleaks" ] || GOBIN="$bin" go install "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION"
# Peak RSS counts the binary's pages mapped from the page cache, and how the
# file got there changes it: the same gov binary peaked at 64 MB as the Go
# linker wrote it (through mmap: large folios, mapped 2 MB at a time) and at
# 50 MB after a plain copy. Both tools are measured from plain copies, the
# state of a downloaded or copied release.
for b in gov gitleaks; do
	cp "$bin/$b" "$work/$b.copy" && mv -f "$work/$b.copy" "$bin/$b"
done

git init -q "$work/project"
go run ./bench/genhistory -tree "$(go env GOROOT)/src" -max-files "$FILES" -commits "$COMMITS" |
	git -C "$work/project" fast-import --quiet
git -C "$work/project" reset -q --hard main
git clone -q --mirror "$(git rev-parse --show-toplevel)" "$work/self.git"

# compare REPO: both scanners over every ref of REPO; the reports are kept
# to count findings.
compare() {
	local repo=$1
	echo "== $(basename "$repo"): $(git -C "$repo" rev-list --count --all) commits, $(git -C "$repo" ls-tree -r HEAD | wc -l) files at HEAD, $(du -sm "$repo" | cut -f1) MB"
	"$bin/measure" -n "$RUNS" -name "gov scan --git" -ok 0,1 -- "$bin/gov" scan "$repo" --git --no-progress --format json
	"$bin/measure" -n "$RUNS" -name "gitleaks git" -ok 0 -- "$bin/gitleaks" git --no-banner --exit-code 0 --log-level error -f json -r "$work/gl.json" "$repo"
	"$bin/gov" scan "$repo" --git --no-progress --format json >"$work/gov.json" || true
	echo "findings: gov $(grep -c '"fingerprint"' "$work/gov.json" || true), gitleaks $(grep -c '"Fingerprint"' "$work/gl.json" || true)"
}
compare "$work/project"
compare "$work/self.git"

if [ -n "${MB:-}" ]; then
	git init -q "$work/large"
	go run ./bench/genhistory -mb "$MB" | git -C "$work/large" fast-import --quiet
	echo "== large: $(git -C "$work/large" rev-list --count main) commits, $(du -sm "$work/large" | cut -f1) MB packed, $MB MB of file versions"
	"$bin/measure" -n 1 -name "gov scan --git" -ok 0,1 -- "$bin/gov" scan "$work/large" --git --no-progress --format json
fi
