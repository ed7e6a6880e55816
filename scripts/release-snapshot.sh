#!/usr/bin/env bash
# Build every release artifact into dist/ with GoReleaser (pinned in
# tools/go.mod) from a clean clone of HEAD: only committed files go in, the
# version is 0.0.0-SNAPSHOT-<short commit>, and every file time is the
# commit's. Needs git, Go and the module proxy; nothing is published.
# Extra arguments go to `goreleaser release`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
head=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "release:snapshot: uncommitted changes are not in the snapshot; it builds commit ${head:0:12}" >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone --quiet --no-checkout "$root" "$tmp/src"
git -C "$tmp/src" checkout --quiet --detach "$head"
cd "$tmp/src"
go tool -modfile=tools/go.mod goreleaser release --snapshot --clean "$@"
rm -rf "$root/dist"
mv dist "$root/dist"
cd "$root/dist"
sha256sum -c --quiet checksums.txt
echo "release:snapshot: dist/ holds $(wc -l <checksums.txt) files for commit ${head:0:12}, all matching checksums.txt"
