package e2e

import (
	"os"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// BenchmarkSecretServiceGetVsEmptyProgram compares, alternating in one run,
// a whole `git-credential-ppm get` process answered from a real Secret
// Service (gnome-keyring on the private bus of scripts/bench-secretservice.sh)
// with a whole empty static Go program, and reports both medians and their
// ratio (get-x). Runs only under PPM_TEST_SECRETSERVICE=1.
//
// PPM_BENCH_BEFORE_BIN names another build of the helper (say, of main
// before a change) to alternate too, reported as before-median-ms and
// before-x: a before/after comparison from one run on the same machine load.
func BenchmarkSecretServiceGetVsEmptyProgram(b *testing.B) {
	if os.Getenv("PPM_TEST_SECRETSERVICE") != "1" {
		b.Skip("SKIPPED: needs gnome-keyring on a private D-Bus; run scripts/bench-secretservice.sh")
	}
	empty := buildEmptyProgram(b)
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	w.set("PPM_CREDENTIAL_STORE", "secretservice")
	w.set("PPM_CREDENTIAL_TRACE", "")
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		w.set(k, os.Getenv(k))
	}
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	if r := w.run(req, "get"); r.code != 0 || attr(r.stdout, "password") == "" {
		b.Fatalf("priming get failed: %s", r.stderr)
	}
	compareWithEmptyProgram(b, w, req, empty)
}

// buildEmptyProgram builds `func main() {}` as a static binary, the floor
// every whole-process measurement is compared with.
func buildEmptyProgram(b *testing.B) string {
	return buildGoProgram(b, "empty", "package main\n\nfunc main() {}\n")
}
