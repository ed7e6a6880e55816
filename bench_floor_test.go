package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkNetHTTPFloor measures what linking net/http (and with it
// crypto/tls and x509) costs a process that does nothing: an empty static
// Go program and the same program with `import _ "net/http"`, alternating
// in one run. Its ratio (nethttp-x) is the floor under
// BenchmarkFileGetVsEmptyProgram's get-x for any binary that can also log
// in over HTTPS: package initialisation of the standard library alone.
//
//	go test -run '^$' -bench NetHTTPFloor -benchtime 400x .
func BenchmarkNetHTTPFloor(b *testing.B) {
	empty := buildEmptyProgram(b)
	nethttp := buildGoProgram(b, "nethttp", "package main\n\nimport _ \"net/http\"\n\nfunc main() {}\n")
	run := func(path string) time.Duration {
		start := time.Now()
		if out, err := exec.Command(path).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v: %s", path, err, out)
		}
		return time.Since(start)
	}
	var empties, withHTTP []time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			empties = append(empties, run(empty))
			withHTTP = append(withHTTP, run(nethttp))
		} else {
			withHTTP = append(withHTTP, run(nethttp))
			empties = append(empties, run(empty))
		}
	}
	b.StopTimer()
	e, h := median(empties), median(withHTTP)
	b.ReportMetric(float64(e.Microseconds())/1000, "empty-median-ms")
	b.ReportMetric(float64(h.Microseconds())/1000, "nethttp-median-ms")
	b.ReportMetric(float64(h)/float64(e), "nethttp-x")
}

// buildGoProgram builds src (one main.go, no module) as a static binary.
func buildGoProgram(b *testing.B, name, src string) string {
	b.Helper()
	dir := b.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	build := exec.Command("go", "build", "-o", bin, file)
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building %s: %v\n%s", name, err, out)
	}
	return bin
}
