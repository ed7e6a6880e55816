#!/usr/bin/env bash
# The store conformance suite against the file store (~/.ppm/tokens.toml),
# named in the output beside the Secret Service and Windows runs.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== store conformance: file (tokens.toml, shared with pak and posit-keyring) =="
go test -race -count=1 -run 'TestFileStoreConformance' -v ./platform/ > /tmp/file-store-conformance.log 2>&1 || { cat /tmp/file-store-conformance.log; exit 1; }
grep -E '^\s*--- (PASS|FAIL|SKIP)' /tmp/file-store-conformance.log
tail -1 /tmp/file-store-conformance.log
