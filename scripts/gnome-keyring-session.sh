#!/usr/bin/env bash
# Runs the command given as arguments on a private D-Bus session bus with a
# freshly unlocked gnome-keyring and fresh XDG directories (the machine's own
# session and keyrings are never touched), then removes them. Used by
# .ci/secretservice-test.sh and scripts/bench-secretservice.sh.
#
# gnome-keyring keeps its keyrings under $XDG_DATA_HOME/keyrings (--unlock
# creates the "login" keyring there) and Python keyring reads its
# configuration under $XDG_CONFIG_HOME; Go's own locations are pinned first
# so that they do not move with them. The keyring is unlocked before
# anything activates the daemon over D-Bus; its password must not be empty.
# The daemon --unlock starts owns org.freedesktop.secrets a moment after it
# returns: the command runs once it does, or a first call would have the bus
# start a second, locked daemon (a test would then see NoReply or a locked
# keyring, more often the fewer round trips our login costs).
set -euo pipefail
export PATH=/usr/local/go/bin:$PATH
for t in dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$t" >/dev/null || { echo "gnome-keyring-session: $t is missing (apt-get install dbus gnome-keyring)" >&2; exit 1; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/config" "$scratch/runtime" "$scratch/cache"
chmod 700 "$scratch/runtime"
GOENV="$(go env GOENV)" GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
export GOENV GOCACHE GOMODCACHE GOPATH
XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
XDG_RUNTIME_DIR="$scratch/runtime" XDG_CACHE_HOME="$scratch/cache" \
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "private-keyring-password" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  for _ in $(seq 500); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true" && break
    sleep 0.01
  done
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true" ||
    { echo "gnome-keyring-session: gnome-keyring-daemon did not take org.freedesktop.secrets within 5 s" >&2; exit 1; }
  "$@"
' gnome-keyring-session "$@"
