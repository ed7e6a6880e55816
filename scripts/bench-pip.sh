#!/usr/bin/env bash
# What the helper adds to a real `pip download` of the fake's wheel:
# through `--keyring-provider subprocess` (our `keyring` link, token from the
# store) versus the token written into the index URL. Needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/bin"
CGO_ENABLED=0 go build -o "$work/bin/git-credential-ppm" .
ln -s git-credential-ppm "$work/bin/keyring"
go build -o "$work/fakeppm" ./internal/testing/fakeppm/cmd/fakeppm
"$work/fakeppm" -addr 127.0.0.1:0 -identity-token-file "$work/id" > "$work/ppm.out" 2> "$work/ppm.log" &
for _ in $(seq 100); do grep -q 'listening on' "$work/ppm.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/ppm.out" | head -1)
export HOME="$work/home" PACKAGEMANAGER_ADDRESS="$url" PACKAGEMANAGER_IDENTITY_TOKEN_FILE="$work/id" PPM_CREDENTIAL_STORE=file
export PATH="$work/bin:$PATH" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
mkdir -p "$HOME"
git-credential-ppm login 2>/dev/null
tok=$(printf 'protocol=http\nhost=%s\n' "${url#http://}" | git-credential-ppm get | sed -n 's/^password=//p')
index_user="${url/:\/\//://__token__@}/pypi/latest/simple/"
index_tok="${url/:\/\//://__token__:$tok@}/pypi/latest/simple/"
echo "== pip download of the fake's wheel: through the helper vs the token in the URL ($runs runs each) =="
hyperfine --warmup 2 --runs "$runs" --export-json "$work/pip.json" \
  -n "through keyring (helper)" "python3 -m pip download -q --no-deps -d $work/dl1 --keyring-provider subprocess --index-url $index_user ppm-demo" \
  -n "token in the URL" "python3 -m pip download -q --no-deps -d $work/dl2 --index-url '$index_tok' ppm-demo" 2>&1 | grep -v "$tok" | sed "s/$tok/<token>/g" || true
python3 - "$work/pip.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["through keyring (helper)"], r["token in the URL"]
print(f"median: through the helper {a['median']*1000:.0f} ms, token in URL {b['median']*1000:.0f} ms, overhead {(a['median']-b['median'])*1000:.0f} ms")
PY
