#!/usr/bin/env bash
# Prepare Wine so that `GOOS=windows go test` runs Windows test binaries here:
#   1. build bcryptprimitives.dll (ProcessPrng shim, .ci/wine/processprng.c)
#      with mingw-w64 — Go >= 1.21 needs it and Wine 8 lacks it;
#   2. create a headless 64-bit WINEPREFIX (default $HOME/.wine-ppm) once;
#   3. install the DLL into its system32;
#   4. write go_windows_amd64_exec (what `go test` runs Windows binaries
#      through) into $WINEPREFIX/bin — put that directory on PATH.
# Needs the Debian packages wine, wine64 and gcc-mingw-w64-x86-64-win32.
# Idempotent: a second run only checks, and takes well under a second.
# Prints the PATH directory as its last line.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export WINEPREFIX="${WINEPREFIX:-$HOME/.wine-ppm}"
export WINEARCH=win64
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono/Gecko install prompts
unset DISPLAY WAYLAND_DISPLAY

wine64=/usr/lib/wine/wine64
cc=x86_64-w64-mingw32-gcc
# Each tool with the Debian package that ships it (wineboot comes only with
# `wine`, which `wine64` merely recommends).
missing=0
for pair in "$wine64:wine64" "/usr/bin/wineboot:wine" "/usr/bin/$cc:gcc-mingw-w64-x86-64-win32"; do
	tool=${pair%%:*} pkg=${pair##*:}
	if [ ! -x "$tool" ]; then
		echo "wine-setup: $tool is missing: apt-get install -y --no-install-recommends $pkg" >&2
		missing=1
	fi
done
[ "$missing" = 0 ] || exit 1

src="$here/wine/processprng.c"
bindir="$WINEPREFIX/bin"
dll="$WINEPREFIX/ppm-build/bcryptprimitives.dll"
sys32="$WINEPREFIX/drive_c/windows/system32"
mkdir -p "$bindir" "$(dirname "$dll")"

# 1. The shim DLL, rebuilt only when its source changed.
if [ ! -s "$dll" ] || [ "$src" -nt "$dll" ]; then
	echo "wine-setup: building bcryptprimitives.dll (ProcessPrng shim)" >&2
	"$cc" -shared -O2 -s -o "$dll.tmp" "$src" -ladvapi32
	mv "$dll.tmp" "$dll"
fi

# 2. The prefix, created once (the first wineboot takes 20-60 s).
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	echo "wine-setup: creating WINEPREFIX $WINEPREFIX (first start of Wine, up to a minute)" >&2
	/usr/bin/wineboot -i >/dev/null 2>&1 || true
	/usr/lib/wine/wineserver -w 2>/dev/null || wineserver -w 2>/dev/null || true
	if [ ! -f "$WINEPREFIX/system.reg" ]; then
		echo "wine-setup: wineboot did not create $WINEPREFIX; run WINEDEBUG=err+all wineboot -i to see why" >&2
		exit 1
	fi
fi

# 3. The DLL in system32 (Wine has no builtin bcryptprimitives, so it loads this one).
if ! cmp -s "$dll" "$sys32/bcryptprimitives.dll"; then
	cp "$dll" "$sys32/bcryptprimitives.dll"
fi

# 4. The runner `go test` looks for on PATH when GOOS=windows.
exec_script="$bindir/go_windows_amd64_exec"
want="#!/bin/sh
# Written by .ci/wine-setup.sh: run a Windows test binary under Wine.
export WINEPREFIX=\"\${WINEPREFIX:-$WINEPREFIX}\"
export WINEDEBUG=\"\${WINEDEBUG:--all}\"
export WINEDLLOVERRIDES=\"\${WINEDLLOVERRIDES:-mscoree,mshtml=}\"
unset DISPLAY WAYLAND_DISPLAY
exec $wine64 \"\$@\"
"
if [ "$(cat "$exec_script" 2>/dev/null)" != "$(printf '%s' "$want")" ]; then
	printf '%s' "$want" >"$exec_script"
	chmod 0755 "$exec_script"
fi

echo "$bindir"
