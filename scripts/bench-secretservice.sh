#!/usr/bin/env bash
# Whole-process `git-credential-ppm get` answered from a real gnome-keyring,
# against an empty static Go program, alternating in one run
# (BenchmarkSecretServiceGetVsEmptyProgram): prints both medians and their
# ratio (get-x). gnome-keyring runs on a private D-Bus session
# (scripts/gnome-keyring-session.sh). RUNS (default 200) sets the number of
# pairs; BEFORE_BIN (another build of the helper, e.g. of main before a
# change) is alternated too, for a before/after ratio from one run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PPM_TEST_SECRETSERVICE=1 PPM_BENCH_BEFORE_BIN="${BEFORE_BIN:-}"
exec bash scripts/gnome-keyring-session.sh \
  go test -count=1 -run '^$' -bench '^BenchmarkSecretServiceGetVsEmptyProgram$' -benchtime="${RUNS:-200}x" ./e2e/
