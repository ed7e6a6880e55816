package main

import (
	"bytes"
	"os"
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

// BenchmarkFileGetVsEmptyProgram compares, alternating in one run, a whole
// `git-credential-ppm get` process answered from the file store with a
// whole empty static Go program, and reports both medians and their ratio
// (get-x); PPM_BENCH_BEFORE_BIN adds another build of the helper (say, of
// main before a change) as before-x.
func BenchmarkFileGetVsEmptyProgram(b *testing.B) {
	empty := buildEmptyProgram(b)
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	if r := w.run(req, "get"); r.code != 0 || attr(r.stdout, "password") == "" {
		b.Fatalf("priming get failed: %s", r.stderr)
	}
	w.set("PPM_CREDENTIAL_TRACE", "")
	compareWithEmptyProgram(b, w, req, empty)
}

// compareWithEmptyProgram runs b.N rounds of: the empty program, the
// helper's get, and (PPM_BENCH_BEFORE_BIN) another build's get, each a whole
// process; it fails when a get reached the server or gave no token.
func compareWithEmptyProgram(b *testing.B, w *world, req, empty string) {
	counts := w.ppm.Counts()
	run := func(path string, args ...string) time.Duration {
		c := exec.Command(path, args...)
		c.Env = w.env
		c.Stdin = strings.NewReader(req)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		start := time.Now()
		if err := c.Run(); err != nil {
			b.Fatalf("%s: %v: %s", path, err, errb.String())
		}
		d := time.Since(start)
		if path != empty && !strings.Contains(out.String(), "password=") {
			b.Fatalf("no token in the answer (stderr: %s)", errb.String())
		}
		return d
	}
	before := os.Getenv("PPM_BENCH_BEFORE_BIN")
	var gets, empties, befores []time.Duration
	b.ResetTimer()
	for range b.N {
		empties = append(empties, run(empty))
		gets = append(gets, run(helperBin, "get"))
		if before != "" {
			befores = append(befores, run(before, "get"))
		}
	}
	b.StopTimer()
	if after := w.ppm.Counts(); after != counts {
		b.Fatalf("gets from the store reached the server: %+v → %+v", counts, after)
	}
	g, e := median(gets), median(empties)
	b.ReportMetric(float64(g.Microseconds())/1000, "get-median-ms")
	b.ReportMetric(float64(e.Microseconds())/1000, "empty-median-ms")
	b.ReportMetric(float64(g)/float64(e), "get-x")
	if before != "" {
		bm := median(befores)
		b.ReportMetric(float64(bm.Microseconds())/1000, "before-median-ms")
		b.ReportMetric(float64(bm)/float64(e), "before-x")
	}
}
