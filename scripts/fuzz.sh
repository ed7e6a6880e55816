#!/usr/bin/env bash
# Runs every fuzz target in the module for a while each (default 10s).
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "== $pkg $f ($t) =="
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg"
  done
done
