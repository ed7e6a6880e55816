package main

import (
	"bytes"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/fakeppm"
)

// BenchmarkGitGetFromStore measures the hot path as git sees it: one whole
// `git-credential-ppm get` process answered from the file store. It reports
// the median wall time per process and fails if any run reached the server.
func BenchmarkGitGetFromStore(b *testing.B) {
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	if r := w.run(req, "get"); r.code != 0 {
		b.Fatalf("priming get failed: %s", r.stderr)
	}
	w.set("PPM_CREDENTIAL_TRACE", "")
	before := w.ppm.Counts()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		c := exec.Command(helperBin, "get")
		c.Env = w.env
		withoutTerminal(c)
		c.Stdin = strings.NewReader(req)
		var out bytes.Buffer
		c.Stdout = &out
		start := time.Now()
		if err := c.Run(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		if !strings.Contains(out.String(), "password=") {
			b.Fatalf("no token in the answer")
		}
	}
	b.StopTimer()
	after := w.ppm.Counts()
	requests := (after.Device + after.DeviceAccess + after.Exchange + after.Repo) - (before.Device + before.DeviceAccess + before.Exchange + before.Repo)
	if requests != 0 {
		b.Fatalf("gets from the store reached the server: %+v → %+v", before, after)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(requests), "requests")
}
