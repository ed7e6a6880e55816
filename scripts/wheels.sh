#!/usr/bin/env bash
# Build the six wheels into dist/ (docs/contract.md §9). With no arguments it builds the
# static binaries itself (CGO_ENABLED=0, -trimpath); release:snapshot passes
# the binaries GoReleaser built instead, as OS/ARCH=PATH arguments.
#   VERSION   release version (default 0.0.0-SNAPSHOT-<short commit>)
#   OUT       output directory (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
version=${VERSION:-0.0.0-SNAPSHOT-$(git rev-parse --short HEAD)}
out=${OUT:-dist}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  bindir="$out/wheel-binaries"
  for t in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
    exe=git-credential-ppm; [ "${t%/*}" = windows ] && exe=$exe.exe
    bin="$bindir/${t/\//_}/$exe"
    CGO_ENABLED=0 GOOS=${t%/*} GOARCH=${t#*/} go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o "$bin" .
    targets+=("$t=$bin")
  done
fi
go build -o "$out/.mkwheel" ./internal/wheel/cmd/mkwheel
for t in "${targets[@]}"; do
  platform=${t%%=*}
  "$out/.mkwheel" --binary "${t#*=}" --goos "${platform%/*}" --goarch "${platform#*/}" --version "$version" --out "$out"
done
rm -f "$out/.mkwheel"
