package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// BenchmarkPipDownloadThroughBackend measures what the wheel's keyring
// backend adds to a real `pip download` (Debian's pip importing keyring,
// our backend running the binary, the token from the store) against the
// same download with the token written into the index URL, and with the
// download through keyring answered by a Python backend that spawns nothing
// (floorBackend). Each round runs all, rotating which goes first, so
// machine load falls on all alike; it reports each median, ratio (through
// our backend over the token in the URL; the goal: at most 1.03),
// floor-ratio (the same for the Python floor: what keyring itself costs
// pip) and backend/floor (what our backend adds to that). PPM_BENCH_BEFORE_BIN adds a venv whose wheel carries that other
// build of ours (and this checkout's backend), reported as before-ratio.
// It fails when a download reached the token endpoints.
//
//	PPM_BENCH_BEFORE_BIN=<build> go test -run '^$' -bench PipDownloadThroughBackend -benchtime 10x .
func BenchmarkPipDownloadThroughBackend(b *testing.B) {
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	v := newPyVenv(b, w, buildLinuxWheel(b, w.home))
	index := w.ppm.IndexURL()
	r := v.keyring(nil, "get", index, "__token__")
	tok := strings.TrimSpace(r.stdout)
	if !w.ppm.ValidToken(tok) {
		b.Fatalf("no token from the backend: %q", r.stderr)
	}
	withToken := strings.Replace(index, "://", "://__token__:"+tok+"@", 1)
	logins := func() int { c := w.ppm.Counts(); return c.Device + c.DeviceAccess + c.Exchange }
	before := logins()
	n := 0
	download := func(name string, v *pyVenv, url string) arm {
		return arm{name, func() time.Duration {
			n++
			dir := filepath.Join(w.home, "dl", strconv.Itoa(n))
			start := time.Now()
			r := v.run(nil, "-m", "pip", "download", "-q", "--no-deps", "-d", dir, "--index-url", url, w.ppm.WheelName())
			d := time.Since(start)
			if r.code != 0 || !fileExists(filepath.Join(dir, w.ppm.WheelFile())) {
				b.Fatalf("pip download (%s): %d %q", name, r.code, r.stderr)
			}
			os.RemoveAll(dir)
			return d
		}}
	}
	floorDir := filepath.Join(w.home, "floor")
	if err := os.Mkdir(floorDir, 0o700); err != nil {
		b.Fatal(err)
	}
	fv := newPyVenvAt(b, w, buildLinuxWheel(b, floorDir), filepath.Join(floorDir, "venv"))
	fv.installBackend("ppm_floor_backend", strings.ReplaceAll(floorBackend, "@TOKEN@", tok))
	arms := []arm{download("backend", v, index), download("token-in-url", v, withToken), download("floor-backend", fv, index)}
	if bin := os.Getenv("PPM_BENCH_BEFORE_BIN"); bin != "" {
		dir := filepath.Join(w.home, "before")
		if err := os.Mkdir(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		bv := newPyVenvAt(b, w, buildLinuxWheelOf(b, dir, bin), filepath.Join(dir, "venv"))
		arms = append(arms, download("before-backend", bv, index))
	}
	m := alternate(b, arms...)
	if after := logins(); after != before {
		b.Fatalf("downloads reached the token endpoints: %d requests", after-before)
	}
	b.ReportMetric(float64(m[0])/float64(m[1]), "ratio")
	b.ReportMetric(float64(m[2])/float64(m[1]), "floor-ratio")
	b.ReportMetric(float64(m[0])/float64(m[2]), "backend/floor")
	if len(m) > 3 {
		b.ReportMetric(float64(m[3])/float64(m[1]), "before-ratio")
	}
}

// floorBackend is a keyring backend that answers every service with the
// token, in Python, ahead of ours (priority 20 against 9.9): pip through
// keyring with nothing spawned, what any keyring backend costs pip (keyring
// importing and ranking every installed backend) before its own work.
const floorBackend = `from keyring import backend, credentials

TOKEN = "@TOKEN@"

class Keyring(backend.KeyringBackend):
    priority = 20

    def get_credential(self, service, username):
        return credentials.SimpleCredential("__token__", TOKEN)

    def get_password(self, service, username):
        return TOKEN

    def set_password(self, service, username, password):
        raise NotImplementedError
`
