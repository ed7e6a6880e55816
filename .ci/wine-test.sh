#!/usr/bin/env bash
# Run the module's Go tests as Windows binaries under Wine: the Windows
# Credential Manager store (CredWrite/CredRead/CredDelete are real Wine
# calls), Windows paths, locks and everything else built for GOOS=windows.
# Prepares Wine first with .ci/wine-setup.sh (idempotent).
# Usage: .ci/wine-test.sh [packages…]   (default ./...)
# Extra flags for `go test` go in GO_TEST_FLAGS, e.g. GO_TEST_FLAGS=-v.
set -euo pipefail
cd "$(dirname "$0")/.."

bindir="$(.ci/wine-setup.sh | tail -n 1)"
export PATH="$bindir:$PATH"
export WINEPREFIX="${WINEPREFIX:-$HOME/.wine-ppm}"
export WINEDEBUG=-all
unset DISPLAY WAYLAND_DISPLAY

# Keep wineserver alive between test binaries: each binary then starts in
# well under a second instead of paying Wine's start-up again.
/usr/lib/wine/wineserver -p 60 2>/dev/null || true

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(./...)
fi

echo "== store conformance: wincred (Windows Credential Manager under Wine) =="
# -race needs cgo, which a Windows cross-build does not have.
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -count=1 ${GO_TEST_FLAGS:-} "${pkgs[@]}"
