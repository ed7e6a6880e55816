package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/fakeppm"
)

// BenchmarkPipDownloadThroughBackend measures what the wheel's keyring
// backend adds to a real `pip download` (Debian's pip importing keyring,
// our backend running the binary, the token from the store) against the
// same download with the token written into the index URL. Each iteration
// runs both, alternating, so machine load falls on both sides alike; the
// result is reported per side and as their ratio.
//
//	go test -run '^$' -bench PipDownloadThroughBackend -benchtime 10x .
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
	download := func(url, dir string) time.Duration {
		start := time.Now()
		r := v.run(nil, "-m", "pip", "download", "-q", "--no-deps", "-d", dir, "--index-url", url, w.ppm.WheelName())
		d := time.Since(start)
		if r.code != 0 || !fileExists(filepath.Join(dir, w.ppm.WheelFile())) {
			b.Fatalf("pip download: %d %q", r.code, r.stderr)
		}
		os.RemoveAll(dir)
		return d
	}
	var backend, inURL time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(w.home, "dl", strconv.Itoa(i))
		if i%2 == 0 {
			backend += download(index, dir+"a")
			inURL += download(withToken, dir+"b")
		} else {
			inURL += download(withToken, dir+"b")
			backend += download(index, dir+"a")
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(backend.Milliseconds())/n, "ms-backend/op")
	b.ReportMetric(float64(inURL.Milliseconds())/n, "ms-token-in-url/op")
	b.ReportMetric(float64(backend)/float64(inURL), "ratio")
}
