package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// BenchmarkKeyringAnchor places our `keyring get` beside the program it
// replaces: Python's keyring CLI (Debian's python3-keyring run by
// /usr/bin/python3, as pip's subprocess provider would find it) answering
// the same `get` from a backend that does nothing but return a fixed
// password — the least any Python keyring, posit-keyring included, can
// cost. It alternates in one run the empty static Go program, our `keyring`
// link answering from the file store, the Python anchor and, with
// PPM_BENCH_BEFORE_BIN, a link to that other build of ours.
//
// anchor/empty-x is what the machine allows a replacement to gain (about
// ×39 where starting any process costs 5 ms, about ×100 on a VM);
// anchor/ours-x is what ours gains; share is the second over the first
// (empty over ours; the goal is at least 0.5). anchor/before-x is the other
// build's gain.
//
//	PPM_BENCH_BEFORE_BIN=<build> go test -run '^$' -bench KeyringAnchor -benchtime 40x .
func BenchmarkKeyringAnchor(b *testing.B) {
	python := needDebianPython(b)
	empty := buildEmptyProgram(b)
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	w.set("PPM_CREDENTIAL_TRACE", "")
	service := w.ppm.IndexURL()
	dir := b.TempDir()
	link := func(name, target string) string {
		p := filepath.Join(dir, name, "keyring")
		if err := os.Mkdir(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			b.Fatal(err)
		}
		return p
	}
	ours := link("ours", helperBin)
	primed := w.runCmd(exec.Command(ours, "get", service, "__token__"), "")
	token := strings.TrimSpace(primed.stdout)
	if primed.code != 0 || !w.ppm.ValidToken(token) {
		b.Fatalf("priming keyring get failed: %s", primed.stderr)
	}
	anchorDir := filepath.Join(dir, "anchor")
	if err := os.Mkdir(anchorDir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(anchorDir, "ppm_bench_anchor.py"), []byte(anchorBackend), 0o644); err != nil {
		b.Fatal(err)
	}
	anchorEnv := []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + w.home,
		"LANG=C",
		"PYTHONPATH=" + anchorDir,
		"PYTHON_KEYRING_BACKEND=ppm_bench_anchor.Keyring",
	}
	counts := w.ppm.Counts()
	get := func(name, path string, env []string, want string) arm {
		return arm{name, func() time.Duration {
			c := exec.Command(path, "get", service, "__token__")
			c.Env = env
			d, out := timeProcess(b, c)
			if strings.TrimSuffix(out, "\n") != want {
				b.Fatalf("%s: keyring get answered another password (%d bytes)", name, len(out))
			}
			return d
		}}
	}
	arms := []arm{
		processArm(b, "empty", empty),
		get("ours", ours, w.env, token),
		{"anchor", func() time.Duration {
			c := exec.Command(python, "-m", "keyring", "get", service, "__token__")
			c.Env = anchorEnv
			d, out := timeProcess(b, c)
			if out != "anchor-password\n" {
				b.Fatalf("the Python keyring anchor answered %q", out)
			}
			return d
		}},
	}
	if before := os.Getenv("PPM_BENCH_BEFORE_BIN"); before != "" {
		arms = append(arms, get("before", link("before", before), w.env, token))
	}
	m := alternate(b, arms...)
	if after := w.ppm.Counts(); after != counts {
		b.Fatalf("keyring gets from the store reached the server: %+v → %+v", counts, after)
	}
	e, o, a := float64(m[0]), float64(m[1]), float64(m[2])
	b.ReportMetric(a/e, "anchor/empty-x")
	b.ReportMetric(a/o, "anchor/ours-x")
	b.ReportMetric(e/o, "share")
	if len(m) > 3 {
		b.ReportMetric(a/float64(m[3]), "anchor/before-x")
	}
}

// anchorBackend is a Python keyring backend that answers every get with a
// fixed password, selected through PYTHON_KEYRING_BACKEND: keyring's own
// start, argument parsing and backend loading, and nothing else.
const anchorBackend = `from keyring import backend


class Keyring(backend.KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        return "anchor-password"

    def set_password(self, service, username, password):
        raise NotImplementedError
`
