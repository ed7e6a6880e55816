#!/usr/bin/env bash
# Run the module's Go tests as Windows binaries under Wine: the Windows
# Credential Manager store (CredWrite/CredRead/CredDelete are real Wine
# calls), Windows paths, locks and everything else built for GOOS=windows.
# Prepares Wine first with .ci/wine-setup.sh (idempotent).
# Usage: .ci/wine-test.sh [packages…]   (default ./...)
# Extra flags for `go test` go in GO_TEST_FLAGS, e.g. GO_TEST_FLAGS=-v.
# Needs the Debian packages wine, wine64 and gcc-mingw-w64-x86-64-win32.
set -euo pipefail
cd "$(dirname "$0")/.."

export WINEPREFIX="${WINEPREFIX:-$HOME/.wine-ppm}"
export WINEDEBUG=-all
unset DISPLAY WAYLAND_DISPLAY
wineserver=/usr/lib/wine/wineserver

# One run at a time per prefix: a second run waits for the first.
mkdir -p "$WINEPREFIX"
exec 9>"$WINEPREFIX/ppm-test.lock"
if ! flock -n 9; then
	echo "wine-test: waiting for another run of .ci/wine-test.sh on $WINEPREFIX" >&2
	flock 9
fi

bindir="$(.ci/wine-setup.sh | tail -n 1)"
export PATH="$bindir:$PATH"

# Start Wine's session (wineserver and the services it runs: services.exe,
# winedevice, rpcss …) before the tests, with its output going nowhere, and
# keep it for the whole run. Started from inside a test binary instead, those
# long-lived processes would inherit `go test`'s output pipe and hold it open
# (go test then fails the package: "Test I/O incomplete"). Each test binary
# also starts faster. The session ends when this script exits.
"$wineserver" -k >/dev/null 2>&1 || true
"$wineserver" -w >/dev/null 2>&1 || true
trap '"$wineserver" -k >/dev/null 2>&1 || true' EXIT
"$wineserver" -p </dev/null >/dev/null 2>&1
/usr/lib/wine/wine64 cmd /c exit </dev/null >/dev/null 2>&1

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(./...)
fi

echo "== store conformance: wincred (Windows Credential Manager under Wine) =="
echo "GOOS=windows go test ${pkgs[*]} (binaries run by $bindir/go_windows_amd64_exec)"
# -race needs cgo, which a Windows cross-build does not have.
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -count=1 ${GO_TEST_FLAGS:-} "${pkgs[@]}"
