#!/usr/bin/env bash
# A one-minute tour of git-credential-ppm against the bundled fake Package
# Manager on loopback: a device-flow login, `git credential fill`,
# `git ls-remote`, `status`, then pip installing from the authenticated
# index and twine uploading, through the keyring backend of our wheel in a
# virtual environment. Nothing outside this machine is touched: HOME, git
# config, the venv and the token store live in a temporary directory.
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
go build -o "$work/bin/fakeppm" ./internal/testing/fakeppm/cmd/fakeppm
go build -o "$work/bin/mkwheel" ./internal/wheel/cmd/mkwheel
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

# pip and twine: the wheel (binary + keyring backend) in a venv. Its Python
# must have keyring, and twine for the upload, without PyPI: Debian's
# python3-keyring and twine, seen through --system-site-packages.
python=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import keyring, twine, venv, ensurepip' 2>/dev/null; then
		python=$(command -v "$p")
		break
	fi
done
if [ -z "$python" ]; then
	step "pip and twine: skipped (no python3 here has keyring, twine and venv; Debian: apt-get install python3-keyring twine python3-venv)"
else
	step "pip and twine: the wheel's keyring backend in a virtual environment"
	"$work/bin/mkwheel" --binary "$work/bin/git-credential-ppm" --goos "$(go env GOOS)" --goarch "$(go env GOARCH)" --version 0.0.0 --out "$work/wheels" >/dev/null
	"$python" -m venv --system-site-packages "$work/venv"
	# pip as installed, whatever PIP_* this shell has (PIP_NO_INPUT would
	# keep pip 23.0 from asking keyring at all).
	unset $(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p')
	export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CONFIG_FILE=/dev/null
	printf '$ pip install git-credential-ppm\n'
	"$work/venv/bin/pip" install -q --no-index "$work"/wheels/*.whl
	show "$work/venv/bin/python" -m keyring --list-backends
	index="${url/:\/\//://__token__@}/pypi-auth/latest/simple/"
	printf '$ pip download --index-url %s ppm-demo   (pip asks keyring after the 401)\n' "$index"
	"$work/venv/bin/pip" download -q --no-deps -d "$work/dist" --index-url "$index" ppm-demo
	ls "$work/dist"
	printf '$ TWINE_USERNAME=__token__ twine upload --repository-url %s dist/*\n' "$url/upload/pypi/local-python-src"
	TWINE_USERNAME=__token__ "$work/venv/bin/python" -m twine upload --non-interactive --disable-progress-bar \
		--repository-url "$url/upload/pypi/local-python-src" "$work"/dist/*
fi

step "What the fake Package Manager saw (the credential fill made no request; pip and twine sent the token)"
sed 's/^fakeppm: //' "$work/ppm.log"

step "Done: the same works for uv (the keyring link) and for any tool through exec - see README.md"
