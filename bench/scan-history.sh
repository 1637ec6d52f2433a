#!/usr/bin/env bash
# gov scan --git over a generated repository history of about 1 GB of file
# content (MB=1024): wall time and peak RSS, to show history scans run in
# bounded memory. Needs the git binary (for fast-import) only to build the
# fixture; gov reads the history with go-git.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
MB=${MB:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/gov" ./cmd/gov
git init -q "$work/repo"
go run ./bench/genhistory -mb "$MB" | git -C "$work/repo" fast-import --quiet
git -C "$work/repo" reset -q --hard main
echo "== history: $(git -C "$work/repo" rev-list --count main) commits, $(du -sm "$work/repo/.git" | cut -f1) MB packed, $MB MB of file versions"
go run ./bench/measure -n 1 -name "gov scan --git" -ok 0,1 -- "$work/gov" scan "$work/repo" --git --no-progress --format json
"$work/gov" scan "$work/repo" --git --no-progress | tail -1
