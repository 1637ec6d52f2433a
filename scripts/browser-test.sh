#!/usr/bin/env bash
# Browser tests (build tag browser): render the HTML compliance report in
# headless Chromium to a PNG and check it, and print it to PDF and check its
# pages (pdftotext). Installs Debian's chromium and poppler-utils when
# missing (needs root or sudo, and the Debian mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ]; then
  echo "== installing chromium and poppler-utils"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium poppler-utils
  # Installing udev inside a container can leave /dev/null a regular file.
  if [ ! -c /dev/null ]; then $sudo rm -f /dev/null && $sudo mknod -m 666 /dev/null c 1 3; fi
fi
echo "== go test -tags browser ./frameworks/"
# The screenshots, the printed PDF and the pages they came from are kept as
# CI artifacts in GOV_BROWSER_OUT (default .ci-artifacts/browser).
export GOV_BROWSER_OUT="${GOV_BROWSER_OUT:-$PWD/.ci-artifacts/browser}"
mkdir -p "$GOV_BROWSER_OUT"
go test -tags browser -run Browser -count=1 -v ./frameworks/
