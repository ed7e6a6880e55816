#!/usr/bin/env bash
# Whole-process hot path: `git-credential-ppm get` answered from the store,
# timed by hyperfine (median), for the file store and the Secret Service
# (gnome-keyring on a private D-Bus). Also counts the fake PPM's requests
# during the timed runs (must be 0). Needs hyperfine, dbus, gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
runs=${RUNS:-300}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/git-credential-ppm" .
go build -o "$work/fakeppm" ./internal/testing/fakeppm/cmd/fakeppm
"$work/fakeppm" -addr 127.0.0.1:0 -identity-token-file "$work/id" > "$work/ppm.out" 2> "$work/ppm.log" &
for _ in $(seq 100); do grep -q 'listening on' "$work/ppm.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/ppm.out" | head -1)
printf 'protocol=http\nhost=%s\n' "${url#http://}" > "$work/req"
export HOME="$work/home" PACKAGEMANAGER_ADDRESS="$url" PACKAGEMANAGER_IDENTITY_TOKEN_FILE="$work/id"
mkdir -p "$HOME"

measure() { # name
  "$work/git-credential-ppm" login 2>/dev/null
  local before after
  before=$(wc -l < "$work/ppm.log")
  # hyperfine 1.15 (Debian 12) has no --input: a shell feeds stdin, and the
  # same shell exec'ing /bin/true is measured as the baseline to subtract.
  hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/$1.json" \
    "sh -c 'exec $work/git-credential-ppm get < $work/req'" "sh -c 'exec /bin/true < $work/req'" >/dev/null
  after=$(wc -l < "$work/ppm.log")
  python3 - "$work/$1.json" "$1" "$((after - before))" <<'PY'
import json, sys
r, base = json.load(open(sys.argv[1]))["results"]
net = (r['median'] - base['median']) * 1000
print(f"{sys.argv[2]:>14}: median {net:.2f} ms net of the shell (sh+get {r['median']*1000:.2f} ms, sh+/bin/true {base['median']*1000:.2f} ms, {len(r['times'])} runs); requests to the server during the runs: {sys.argv[3]}")
PY
}

echo "== hot path: git-credential-ppm get from the store (whole process, hyperfine) =="
hyperfine -N --warmup 20 --runs "$runs" "$work/git-credential-ppm store" --export-json "$work/floor.json" >/dev/null
python3 -c "import json;r=json.load(open('$work/floor.json'))['results'][0];print(f\"{'process floor':>14}: median {r['median']*1000:.2f} ms (git-credential-ppm store: start and exit, no work)\")"
PPM_CREDENTIAL_STORE=file measure file
PPM_CREDENTIAL_STORE=secretservice dbus-run-session -- sh -c "eval \"\$(printf pw | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)\"; $(declare -f measure); work='$work'; runs='$runs'; measure secretservice" 2>/dev/null
