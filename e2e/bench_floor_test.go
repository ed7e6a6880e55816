package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkNetHTTPFloor measures what being able to log in over HTTPS
// costs a process that does nothing: an empty static Go program; one that
// could dial TLS and decode a JSON answer (tlsFloorProgram: crypto/tls,
// x509, the FIPS module's packages, net, encoding/json linked and
// initialised, none of it run); and one with `import _ "net/http"` (which
// adds http2, mime, multipart, gzip), alternating in one run. tls-x is the
// floor under BenchmarkFileGetVsEmptyProgram's get-x for any Go binary that
// can also log in: runtime start and package initialisation of the standard
// library, before any of our code runs. nethttp-x shows what net/http's
// package initialisation adds to it (the binary links net/http for its
// requests).
//
//	go test -run '^$' -bench NetHTTPFloor -benchtime 400x .
func BenchmarkNetHTTPFloor(b *testing.B) {
	m := alternate(b,
		processArm(b, "empty", buildEmptyProgram(b)),
		processArm(b, "tls", buildGoProgram(b, "tls", tlsFloorProgram)),
		processArm(b, "nethttp", buildGoProgram(b, "nethttp", "package main\n\nimport _ \"net/http\"\n\nfunc main() {}\n")),
	)
	e, t, h := m[0], m[1], m[2]
	b.ReportMetric(float64(t)/float64(e), "tls-x")
	b.ReportMetric(float64(h)/float64(e), "nethttp-x")
}

// tlsFloorProgram links what a login needs, TLS and JSON, behind a branch
// that no benchmark run takes (it needs an argument).
const tlsFloorProgram = `package main

import (
	"crypto/tls"
	"encoding/json"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		c, err := tls.Dial("tcp", os.Args[1], &tls.Config{})
		if err == nil {
			var answer map[string]any
			_ = json.NewDecoder(c).Decode(&answer)
		}
	}
}
`

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
