#!/usr/bin/env bash
# cosign interop: cosign verify-blob-attestation accepts what gov signs with
# a key (gov audit keygen + gov audit sign) and refuses it for a tampered
# patch; a key made by cosign generate-key-pair signs with gov audit sign.
# Installs cosign with go install (the Go module proxy only), caching the
# binary per version under ${XDG_CACHE_HOME:-~/.cache}/gov/.
#
#   scripts/cosign-interop.sh            # COSIGN_VERSION=v3.1.3 by default
set -euo pipefail
export GOTOOLCHAIN=local

COSIGN_VERSION=${COSIGN_VERSION:-v3.1.3}
PREDICATE_TYPE=https://github.com/gov-policy/gov/attestation/decision/v1
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cache=${XDG_CACHE_HOME:-$HOME/.cache}/gov/cosign-$COSIGN_VERSION
cosign=$cache/cosign
if [ ! -x "$cosign" ]; then
	echo "installing cosign $COSIGN_VERSION (go install)"
	mkdir -p "$work/gobin" "$cache"
	GOBIN=$work/gobin go install "github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION"
	mv "$work/gobin/cosign" "$cosign"
fi
"$cosign" version 2>/dev/null | grep -E '^GitVersion' || true

(cd "$repo" && go build -o "$work/gov" ./cmd/gov)
gov=$work/gov
cd "$work"

pass=0
fail=0
check() { # check NAME WANT(0|nonzero) CMD...
	local name=$1 want=$2
	shift 2
	local rc=0
	"$@" >"$work/out" 2>&1 || rc=$?
	if { [ "$want" = 0 ] && [ $rc = 0 ]; } || { [ "$want" = nonzero ] && [ $rc != 0 ]; }; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name (exit $rc, want $want)"
		sed 's/^/     /' "$work/out"
		fail=$((fail + 1))
	fi
}

# A decision recorded by gov eval, its raw patch beside it.
cp "$repo/testdata/patches/python-null-check.diff" fix.diff
printf 'diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n' >other.diff
"$gov" eval --patch fix.diff --env staging --audit-dir audit >/dev/null || true
"$gov" eval --patch other.diff --env staging --audit-dir audit >/dev/null || true
records=$(find audit -name '*.json' ! -name '*.sigstore.json' | sort)
[ "$(echo "$records" | wc -l)" = 2 ] || { echo "FAIL want 2 audit records, got: $records"; exit 1; }
fix_digest=$(sha256sum fix.diff | cut -d' ' -f1)
rec_fix= rec_other=
for r in $records; do
	if grep -q "\"patch_digest\":\"sha256:$fix_digest\"" "$r"; then rec_fix=$r; else rec_other=$r; fi
done
[ -n "$rec_fix" ] && [ -n "$rec_other" ] || { echo "FAIL records not told apart: $records"; exit 1; }

# gov's key, gov's bundle, cosign verifies.
export COSIGN_PASSWORD=interop-password
check "gov audit keygen" 0 "$gov" audit keygen --output-key-prefix gov
check "gov audit sign --key gov.key" 0 "$gov" audit sign "$rec_fix" --key gov.key
bundle=${rec_fix%.json}.sigstore.json
check "cosign verify-blob-attestation accepts gov's bundle" 0 \
	"$cosign" verify-blob-attestation --bundle "$bundle" --key gov.pub --type "$PREDICATE_TYPE" --insecure-ignore-tlog fix.diff
cp fix.diff tampered.diff
echo "+# one more line" >>tampered.diff
check "cosign refuses a tampered patch" nonzero \
	"$cosign" verify-blob-attestation --bundle "$bundle" --key gov.pub --type "$PREDICATE_TYPE" --insecure-ignore-tlog tampered.diff
check "cosign refuses another predicate type" nonzero \
	"$cosign" verify-blob-attestation --bundle "$bundle" --key gov.pub --type https://slsa.dev/provenance/v1 --insecure-ignore-tlog fix.diff
check "gov audit verify accepts it" 0 "$gov" audit verify "$bundle" --key gov.pub --patch fix.diff
check "gov audit verify refuses the tampered patch" nonzero "$gov" audit verify "$bundle" --key gov.pub --patch tampered.diff

# gov eval --sign: record and sign in one step; cosign verifies.
printf 'diff --git a/svc.py b/svc.py\n--- a/svc.py\n+++ b/svc.py\n@@ -1 +1 @@\n-y = 1\n+y = 3\n' >third.diff
check "gov eval --sign key --key gov.key" 0 "$gov" eval --patch third.diff --env staging --audit-dir audit3 --sign key --key gov.key
bundle3=$(find audit3 -name '*.sigstore.json' | head -1)
check "cosign verifies what gov eval --sign wrote" 0 \
	"$cosign" verify-blob-attestation --bundle "$bundle3" --key gov.pub --type "$PREDICATE_TYPE" --insecure-ignore-tlog third.diff

# cosign's key signs with gov.
export COSIGN_PASSWORD=cosign-password
check "cosign generate-key-pair" 0 "$cosign" generate-key-pair
check "gov audit sign --key cosign.key" 0 "$gov" audit sign "$rec_other" --key cosign.key
bundle2=${rec_other%.json}.sigstore.json
check "cosign verifies gov's bundle signed with cosign's key" 0 \
	"$cosign" verify-blob-attestation --bundle "$bundle2" --key cosign.pub --type "$PREDICATE_TYPE" --insecure-ignore-tlog other.diff
check "gov audit verify with cosign.pub" 0 "$gov" audit verify "$bundle2" --key cosign.pub --patch other.diff
check "cosign refuses gov's key for it" nonzero \
	"$cosign" verify-blob-attestation --bundle "$bundle2" --key gov.pub --type "$PREDICATE_TYPE" --insecure-ignore-tlog other.diff
# A wrong password is refused and named, never printed.
rc=0
COSIGN_PASSWORD=not-the-password-4711 "$gov" audit sign "$rec_fix" --key cosign.key >wrongpw.out 2>&1 || rc=$?
check "gov audit sign refuses a wrong COSIGN_PASSWORD" 0 test "$rc" = 2
check "... saying so" 0 grep -q "cosign.key: wrong password for the encrypted key (COSIGN_PASSWORD)" wrongpw.out
check "... without printing it" nonzero grep -q "not-the-password-4711" wrongpw.out

echo "cosign-interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
