package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
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

// compareWithEmptyProgram alternates b.N rounds of the empty program, the
// helper's get and (PPM_BENCH_BEFORE_BIN) another build's get, each a whole
// process; it fails when a get reached the server or gave no token.
func compareWithEmptyProgram(b *testing.B, w *world, req, empty string) {
	counts := w.ppm.Counts()
	get := func(path string) func() time.Duration {
		return func() time.Duration {
			c := exec.Command(path, "get")
			c.Env = w.env
			c.Stdin = strings.NewReader(req)
			d, out := timeProcess(b, c)
			if !strings.Contains(out, "password=") {
				b.Fatalf("%s get gave no token", path)
			}
			return d
		}
	}
	arms := []arm{processArm(b, "empty", empty), {"get", get(helperBin)}}
	if before := os.Getenv("PPM_BENCH_BEFORE_BIN"); before != "" {
		arms = append(arms, arm{"before", get(before)})
	}
	m := alternate(b, arms...)
	if after := w.ppm.Counts(); after != counts {
		b.Fatalf("gets from the store reached the server: %+v → %+v", counts, after)
	}
	b.ReportMetric(float64(m[1])/float64(m[0]), "get-x")
	if len(m) > 2 {
		b.ReportMetric(float64(m[2])/float64(m[0]), "before-x")
	}
}

// arm is one side of a benchmark that alternates whole processes: run does
// one run, checks its answer (failing the benchmark when it is wrong) and
// returns its wall time.
type arm struct {
	name string
	run  func() time.Duration
}

// alternate runs b.N rounds of every arm, rotating which goes first, so
// the machine's load and any order effect fall on all of them alike; it
// reports each arm's median as <name>-median-ms and returns the medians in
// the arms' order. Ratios of these medians are what the benchmarks compare:
// they hold from one machine and one load to another far better than
// milliseconds do.
func alternate(b *testing.B, arms ...arm) []time.Duration {
	b.Helper()
	times := make([][]time.Duration, len(arms))
	b.ResetTimer()
	for i := range b.N {
		for j := range arms {
			k := (i + j) % len(arms)
			times[k] = append(times[k], arms[k].run())
		}
	}
	b.StopTimer()
	medians := make([]time.Duration, len(arms))
	for k, a := range arms {
		medians[k] = median(times[k])
		b.ReportMetric(float64(medians[k].Microseconds())/1000, a.name+"-median-ms")
	}
	return medians
}

// processArm runs the program at path with no arguments, checking only
// that it succeeds: the empty program and the floors.
func processArm(b *testing.B, name, path string) arm {
	return arm{name, func() time.Duration { d, _ := timeProcess(b, exec.Command(path)); return d }}
}

// timeProcess runs c to its end and returns its wall time and stdout; a
// run that fails fails the benchmark, with its stderr.
func timeProcess(b *testing.B, c *exec.Cmd) (time.Duration, string) {
	b.Helper()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	err := c.Run()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v: %s", c.Path, err, errb.String())
	}
	return d, out.String()
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
