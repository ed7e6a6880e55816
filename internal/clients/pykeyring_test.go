package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/wheel"
)

// debianPython is /usr/bin/python3 with python3-keyring and python3-venv,
// skipped on a laptop without them and failed under CI=true.
func debianPython(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import keyring, venv, ensurepip").CombinedOutput(); err != nil {
		msg := "Debian's python3 with python3-keyring and python3-venv is not usable: " + strings.TrimSpace(string(out))
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s; .ci/run must install them", msg)
		}
		t.Skipf("SKIPPING: %s", msg)
	}
	return py
}

func (te *testEnv) run(name string, args ...string) {
	te.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(te.Environ, "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "PYTHONDONTWRITEBYTECODE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		te.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestPythonKeyringCheck: the check against real Pythons — none on PATH,
// Debian's with keyring but no backend, a venv with the wheel installed,
// the same with its binary gone, a venv without keyring.
func TestPythonKeyringCheck(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses Debian's /usr/bin/python3")
	}
	py := debianPython(t)
	te := newTestEnv(t, "https://ppm.example.com")
	check := func(path string) Report {
		te.set("PATH", path)
		return PythonKeyring{}.Check(te.Env)
	}

	if r := check(t.TempDir()); r.Wired || len(r.at(Note)) != 1 || !strings.Contains(r.Lines[0].Text, "no python3 on PATH") {
		t.Errorf("no python: %+v", r)
	}

	if r := check(filepath.Dir(py)); r.Wired || len(r.at(Unwired)) != 1 || !strings.Contains(r.Lines[0].Text, "-m pip install git-credential-ppm") {
		t.Errorf("Debian's python3, keyring without our backend: %+v", r)
	}

	// The wheel, its binary a copy of Self (so it is "this helper").
	venv := filepath.Join(te.Home, "venv")
	te.run(py, "-m", "venv", "--system-site-packages", venv)
	te.installWheel(filepath.Join(venv, "bin", "python"))
	bin := filepath.Join(venv, "bin")
	r := check(bin)
	if !r.Wired || len(r.at(OK)) != 1 || len(r.Lines) != 1 || !strings.Contains(r.Lines[0].Text, filepath.Join(bin, "git-credential-ppm")) {
		t.Errorf("venv with the wheel: %+v", r)
	}

	// Another binary than this helper: said, still wired.
	te.Self = filepath.Join(te.Home, "other-helper")
	os.WriteFile(te.Self, []byte("#!/bin/sh\necho another build\n"), 0o755)
	if r := check(bin); !r.Wired || len(r.at(Note)) != 1 || !strings.Contains(r.at(Note)[0], "not this helper") {
		t.Errorf("venv whose binary is another build: %+v", r)
	}

	if err := os.Remove(filepath.Join(bin, "git-credential-ppm")); err != nil {
		t.Fatal(err)
	}
	if r := check(bin); r.Wired || len(r.at(Problem)) != 1 || !strings.Contains(r.Lines[0].Text, "not installed beside this package") {
		t.Errorf("venv with the backend and no binary: %+v", r)
	}

	// A venv with neither: the exact command for that venv.
	bare := filepath.Join(te.Home, "bare")
	te.run(py, "-m", "venv", "--without-pip", bare)
	if r := check(filepath.Join(bare, "bin")); r.Wired || len(r.at(Unwired)) != 1 || !strings.Contains(r.Lines[0].Text, filepath.Join(bare, "bin", "python3")+" -m pip install git-credential-ppm") {
		t.Errorf("venv without keyring: %+v", r)
	}

	// The wheel from before keyring was required (installed without its
	// dependencies): not "install the wheel", but keyring, in that venv.
	old := filepath.Join(te.Home, "old")
	te.run(py, "-m", "venv", old)
	te.installWheel(filepath.Join(old, "bin", "python"), "--no-deps")
	if r := check(filepath.Join(old, "bin")); r.Wired || len(r.at(Problem)) != 1 ||
		!strings.Contains(r.Lines[0].Text, filepath.Join(old, "bin", "python3")+` -m pip install "keyring>=23.9"`) || strings.Contains(r.Lines[0].Text, "install git-credential-ppm") {
		t.Errorf("venv with the wheel and no keyring: %+v", r)
	}
}

// installWheel builds our wheel, its binary a copy of Self, and installs
// it with python's pip (no index).
func (te *testEnv) installWheel(python string, pipArgs ...string) {
	te.t.Helper()
	self, err := os.ReadFile(te.Self)
	if err != nil {
		te.t.Fatal(err)
	}
	name, data, err := wheel.Build(wheel.Options{Binary: self, GOOS: "linux", GOARCH: runtime.GOARCH, Version: "1.0.0", License: "MIT", Readme: []byte("# test\n")})
	if err != nil {
		te.t.Fatal(err)
	}
	whl := filepath.Join(te.Home, name)
	if err := os.WriteFile(whl, data, 0o644); err != nil {
		te.t.Fatal(err)
	}
	te.run(python, append([]string{"-m", "pip", "install", "-q", "--no-index", whl}, pipArgs...)...)
}
