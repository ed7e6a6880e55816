#!/usr/bin/env bash
# Store conformance and interoperability tests for the Secret Service store,
# against a real gnome-keyring-daemon on a private D-Bus session bus (the
# machine's own session, if any, is never touched).
#
# Needs (installed by .ci/run): dbus (dbus-run-session, dbus-daemon),
# gnome-keyring, libsecret-tools (secret-tool), python3-keyring,
# python3-secretstorage. Installs nothing itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

echo "== store conformance: secretservice (gnome-keyring on a private D-Bus) =="
for t in dbus-run-session gnome-keyring-daemon secret-tool; do
  command -v "$t" >/dev/null || { echo "secretservice-test: $t is missing (apt-get install dbus gnome-keyring libsecret-tools)" >&2; exit 1; }
done

# Fresh XDG dirs: gnome-keyring keeps its keyrings under
# $XDG_DATA_HOME/keyrings (--unlock creates the "login" keyring there) and
# Python keyring reads its configuration under $XDG_CONFIG_HOME. Go's own
# locations are pinned first so that they do not move with them.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/config" "$scratch/runtime" "$scratch/cache"
chmod 700 "$scratch/runtime"
GOENV="$(go env GOENV)" GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
export GOENV GOCACHE GOMODCACHE GOPATH

echo "(gcr-prompter 'cannot open display' lines below are expected: the locked-keyring test makes gnome-keyring try to prompt)"
export PPM_TEST_SECRETSERVICE=1
# Unlock (and so create) the login keyring before anything activates the
# daemon over D-Bus; the password must not be empty.
XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
XDG_RUNTIME_DIR="$scratch/runtime" XDG_CACHE_HOME="$scratch/cache" \
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "ci-keyring-password" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  go test -race -count=1 -run "SecretService" -v ./platform/ "$@" 2>&1 | grep -Ev "^=== (RUN|PAUSE|CONT)" || exit 1
  echo "-- benchmark: Get through the Secret Service"
  go test -count=1 -run "^$" -bench BenchmarkSecretServiceGet -benchtime=200x ./platform/
' secretservice-test "$@"
