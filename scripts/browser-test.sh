#!/usr/bin/env bash
# Browser tests (build tag browser): render the HTML compliance report in
# headless Chromium to a PNG and check it. Installs Debian's chromium when
# /usr/bin/chromium is missing (needs root or sudo, and the Debian mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium
fi
echo "== go test -tags browser ./frameworks/"
# GOV_BROWSER_OUT keeps the screenshots for a look (default: a temp dir).
go test -tags browser -run Browser -count=1 -v ./frameworks/
