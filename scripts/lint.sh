#!/usr/bin/env bash
# gofmt, go vet for every OS we ship, and staticcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  printf 'gofmt would change:\n%s\n' "$unformatted"
  exit 1
fi
go vet ./...
GOOS=windows go vet ./...
GOOS=darwin CGO_ENABLED=0 go vet ./...
GOOS=freebsd go vet ./...
go tool -modfile=tools/go.mod staticcheck ./...
# The package map of docs/architecture.md against go list ./..., and the
# documents' links.
go test -count=1 ./internal/docscheck/
# The import layers (internal/layers): cli -> lifecycle -> oauth | platform ->
# protocol -> internal leaves, nothing upward, under every OS's build tags.
go test -count=1 ./internal/layers/
# The release checks live in the tools module (tools/releasetest).
(cd tools && go vet ./releasetest/ && go tool staticcheck ./releasetest/)
# The GitHub workflows; actionlint also runs shellcheck on run: blocks when
# shellcheck is installed.
go tool -modfile=tools/go.mod actionlint
dash -n install.sh
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck -s sh install.sh scripts/release-wheel.sh
  shellcheck scripts/release-snapshot.sh
elif [ "${CI:-}" = true ]; then
  echo "lint: shellcheck is not installed; .ci/run must install it" >&2
  exit 1
else
  echo "lint: SKIPPING shellcheck of install.sh and the workflows' run: blocks (not installed)"
fi
echo "lint: gofmt, go vet (linux, windows, darwin, freebsd), staticcheck, the package map, the import layers, actionlint, shellcheck clean"
