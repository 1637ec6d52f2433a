#!/usr/bin/env bash
# End-to-end test of action.yml outside GitHub: its run steps (build gov,
# gov pr, enforce) run locally with the environment a runner sets, against
# the fake GitHub API on loopback; setup-go and upload-sarif are skipped
# (offline). Needs Go, curl and jq. Usage: bash scripts/action-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
root=$PWD
tmp=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; kill "$fake_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/fakegithub" ./testdata/action/fakegithub
go build -o "$tmp/runsteps" ./testdata/action/runsteps

# The fake serves until its stdin (fd 3) closes.
mkfifo "$tmp/fake.in"
"$tmp/fakegithub" testdata/github/acme-app.json <"$tmp/fake.in" >"$tmp/fake.out" &
fake_pid=$!
exec 3>"$tmp/fake.in"
for _ in $(seq 50); do [ -s "$tmp/fake.out" ] && break; sleep 0.1; done
read -r api token <"$tmp/fake.out"

export RUNNER_TEMP="$tmp/runner" GITHUB_WORKSPACE="$tmp/work" GITHUB_ACTIONS=true \
  GITHUB_REPOSITORY=acme/app GITHUB_API_URL="$api" GITHUB_SERVER_URL=https://github.example \
  GITHUB_RUN_ID=77 GITHUB_SHA=0123456789abcdef0123456789abcdef01234567
mkdir -p "$RUNNER_TEMP" "$GITHUB_WORKSPACE"

fail() { echo "action-e2e: FAIL: $*" >&2; exit 1; }

# event EXAMPLE PR: the webhook example adjusted to the fake's repo and PR.
event() {
  jq --argjson n "$2" '.number = $n | .pull_request.number = $n
      | .pull_request.head.sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      | .pull_request.base.ref = "main" | .repository.full_name = "acme/app"' \
    "testdata/github/webhooks/$1" >"$tmp/event.json"
  export GITHUB_EVENT_PATH="$tmp/event.json"
}

# run WANT_EXIT [INPUT=VALUE...]: runs the action, checks the exit status,
# leaves the outputs in $tmp/outputs.
skip=""
run() {
  local want=$1 code=0
  shift
  "$tmp/runsteps" ${skip:+-skip "$skip"} -token "$token" "$root" "$@" >"$tmp/outputs" || code=$?
  [ "$code" = "$want" ] || fail "exit status $code, want $want; outputs: $(cat "$tmp/outputs")"
  skip=build # gov is built once
}

output() { sed -n "s/^$1=//p" "$tmp/outputs"; }
last_status() { curl -fsS "$api/_fake/state" | jq -r '.statuses[-1] | "\(.State) \(.Context)"'; }

# 1. Approval pending: the job passes, the status is pending, SARIF and
#    signed evidence are written.
export COSIGN_PASSWORD=e2e
event pull_request_opened.json 3
key_dir="$tmp/keys"; mkdir -p "$key_dir"
run 0 sign=none  # builds gov
(cd "$key_dir" && "$RUNNER_TEMP/gov-action/gov" audit keygen --output-key-prefix k >/dev/null)
run 0 sign=key "signing-key=$key_dir/k.key"
[ "$(output decision)" = require_approval ] || fail "decision $(output decision)"
[ "$(output allowed)" = false ] || fail "allowed $(output allowed)"
[ "$(last_status)" = "pending gov/policy: main" ] || fail "status $(last_status)"
sarif=$(output sarif-file)
# SARIF goes on the PR's head commit and ref, not on the base checkout.
[ "$(output 'with.Upload SARIF.sha')" = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ] || fail "upload-sarif sha $(output 'with.Upload SARIF.sha')"
[ "$(output 'with.Upload SARIF.ref')" = refs/pull/3/head ] || fail "upload-sarif ref $(output 'with.Upload SARIF.ref')"
[ "$(output 'with.Upload SARIF.sarif_file')" = "$sarif" ] || fail "upload-sarif sarif_file $(output 'with.Upload SARIF.sarif_file')"
jq -e '.version == "2.1.0" and (.runs | length == 1) and .runs[0].tool.driver.name == "gov"
  and (.runs[0].automationDetails.id | startswith("gov/pr/"))' "$sarif" >/dev/null || fail "SARIF $sarif"
"$RUNNER_TEMP/gov-action/gov" audit verify "$(output evidence-file)" --key "$key_dir/k.pub" \
  --patch testdata/patches/python-null-check.diff >/dev/null || fail "evidence does not verify"
curl -fsS "$api/_fake/state" | jq -e '[.comments["3"][] | select(.body | contains("gov:decision"))] | length == 1' >/dev/null \
  || fail "no single decision comment on #3"

# 2. Deny: the job fails (exit 1) and the status is failure.
event pull_request_synchronize.json 2
run 1 sign=none
[ "$(output decision)" = deny ] || fail "decision $(output decision)"
[ "$(last_status)" = "failure gov/policy: main" ] || fail "status $(last_status)"

# 3. An error (no such bundle) fails the job with gov's exit status 2.
run 2 sign=none "bundle=$tmp/missing"
[ -z "$(output decision)" ] || fail "decision $(output decision) on error"

echo "action-e2e: ok"
