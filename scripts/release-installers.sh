#!/bin/sh
# GoReleaser's hook after each binary (.goreleaser.yaml, builds.hooks.post):
# put install.sh and install.ps1 into dist/, so that checksums.txt lists them
# (checksum.extra_files) and the release uploads these very files. GoReleaser
# runs the hook once per binary, possibly at the same time: each copy is
# written beside its target and renamed over it, so no run sees half a file.
set -eu
for f in install.sh install.ps1; do
	tmp="dist/.$f.$$"
	cp "$f" "$tmp"
	mv -f "$tmp" "dist/$f"
done
