#!/bin/sh
# GoReleaser's hook after each binary (.goreleaser.yaml, builds.hooks.post):
# write the Python wheel carrying that binary into dist/ (issue 10), before
# GoReleaser takes the checksums.
# Usage: scripts/release-wheel.sh BINARY GOOS GOARCH VERSION
set -eu
[ $# -eq 4 ] || { echo "usage: release-wheel.sh BINARY GOOS GOARCH VERSION" >&2; exit 2; }
if [ ! -d internal/wheel/cmd/mkwheel ]; then
	echo "release-wheel: no wheel writer (internal/wheel/cmd/mkwheel) in this commit yet; no wheel for $2/$3"
	exit 0
fi
# The wheel's file times: the commit's, like everything else in dist/.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export SOURCE_DATE_EPOCH
exec go run ./internal/wheel/cmd/mkwheel --binary "$1" --goos "$2" --goarch "$3" --version "$4" --out dist
