package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// BenchmarkGitCredentialFill measures a credential as git itself gets one:
// the real `git credential fill`, configured as `setup` configures it (the
// address's helper list reset, then our helper), runs the helper, which
// answers from the file store. It alternates in one run with an empty
// static Go program, with the same git running a Go helper that only prints
// a fixed answer (the floor for any helper written in Go), and, with
// PPM_BENCH_BEFORE_BIN, with the same git running that other build of ours.
// It reports fill-x (fill over the empty program), helper-x (fill over the
// floor helper's fill) and before-ratio (fill over the other build's fill),
// and fails when a fill reached the server or gave another password.
//
//	PPM_BENCH_BEFORE_BIN=<build> go test -run '^$' -bench GitCredentialFill -benchtime 200x .
func BenchmarkGitCredentialFill(b *testing.B) {
	git := testtool.Need(b, "git")
	empty := buildEmptyProgram(b)
	floor := buildGoProgram(b, "floorhelper", floorHelperProgram)
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	r := w.run(req, "get")
	token := attr(r.stdout, "password")
	if r.code != 0 || token == "" {
		b.Fatalf("priming get failed: %s", r.stderr)
	}
	w.set("PPM_CREDENTIAL_TRACE", "")
	counts := w.ppm.Counts()
	fill := func(name, helper, want string) arm {
		config := filepath.Join(w.home, "gitconfig-"+name)
		body := "[credential \"" + w.ppm.URL() + "\"]\n\thelper =\n\thelper = " + helper + "\n"
		if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
			b.Fatal(err)
		}
		env := append(append([]string{}, w.env...), "GIT_CONFIG_GLOBAL="+config)
		return arm{name, func() time.Duration {
			c := exec.Command(git, "credential", "fill")
			c.Env = env
			c.Stdin = strings.NewReader(req)
			d, out := timeProcess(b, c)
			if got := attr(out, "password"); got != want {
				b.Fatalf("git credential fill through %s answered another password (%d bytes)", helper, len(got))
			}
			return d
		}}
	}
	arms := []arm{processArm(b, "empty", empty), fill("fill", helperBin, token), fill("floor", floor, "floor")}
	if before := os.Getenv("PPM_BENCH_BEFORE_BIN"); before != "" {
		arms = append(arms, fill("before", before, token))
	}
	m := alternate(b, arms...)
	if after := w.ppm.Counts(); after != counts {
		b.Fatalf("fills from the store reached the server: %+v → %+v", counts, after)
	}
	b.ReportMetric(float64(m[1])/float64(m[0]), "fill-x")
	b.ReportMetric(float64(m[1])/float64(m[2]), "helper-x")
	if len(m) > 3 {
		b.ReportMetric(float64(m[1])/float64(m[3]), "before-ratio")
	}
}

// floorHelperProgram is the least a git credential helper written in Go
// can do: read the request, print a fixed answer.
const floorHelperProgram = `package main

import (
	"io"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "get" {
		io.Copy(io.Discard, os.Stdin)
		os.Stdout.WriteString("username=__token__\npassword=floor\n")
	}
}
`
