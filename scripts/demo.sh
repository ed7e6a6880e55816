#!/usr/bin/env bash
# A one-minute tour of git-credential-ppm against the bundled fake Package
# Manager on loopback: a device-flow login, `git credential fill`,
# `git ls-remote` and `status`. Nothing outside this machine is touched:
# HOME, git config and the token store live in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

work=$(mktemp -d)
cleanup() { [ -n "${ppm_pid:-}" ] && kill "$ppm_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

step "Build the helper and the fake Package Manager"
CGO_ENABLED=0 go build -o "$work/bin/git-credential-ppm" .
go build -o "$work/bin/fakeppm" ./internal/fakeppm/cmd/fakeppm
echo "built $work/bin/git-credential-ppm"

step "Start the fake Package Manager on loopback"
"$work/bin/fakeppm" -addr 127.0.0.1:0 > "$work/ppm.out" 2> "$work/ppm.log" &
ppm_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/ppm.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/ppm.out" | head -1)
[ -n "$url" ] || { echo "the fake PPM did not start"; cat "$work/ppm.log"; exit 1; }
echo "fake PPM at $url"

export HOME="$work/home" PATH="$work/bin:$PATH"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 PPM_CREDENTIAL_STORE=file
export PACKAGEMANAGER_ADDRESS="$url"
# The "browser": instead of a person clicking Approve, open the page with curl.
# The helper does not show what a browser prints (a real one is chatty), so
# this one writes to a log the demo shows after the login.
cat > "$work/bin/approve-in-browser" <<SH
#!/bin/sh
echo "[browser] opened \$1 and clicked Approve" >> "$work/browser.log"
curl -fsS -o /dev/null "\$1"
SH
chmod +x "$work/bin/approve-in-browser"
export BROWSER="$work/bin/approve-in-browser"

step "Configure git once (what 'git-credential-ppm setup' does for git)"
show git config --global "credential.$url.helper" ""
show git config --global --add "credential.$url.helper" ppm

step "Log in: a device flow; the browser approves"
show git-credential-ppm login
sed 's/^/   /' "$work/browser.log"

step "git asks the helper for credentials (answered from the store, no network)"
printf '$ printf "url=%s\\n" | git credential fill\n' "$url/git/demo.git"
printf 'url=%s\n' "$url/git/demo.git" | git credential fill | sed 's/^password=\(.\{8\}\).*/password=\1… (hidden)/'


step "git talks to an authenticated repository"
show git ls-remote "$url/git/demo.git"

step "What is stored, for whom, until when (never the token)"
show git-credential-ppm status

step "What the fake Package Manager saw (the credential fill made no request)"
sed 's/^fakeppm: //' "$work/ppm.log"

step "Done: the same works for pip and uv (keyring), twine (exec) - see README.md"
