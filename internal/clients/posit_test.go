package clients

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// positWheel writes a wheel named posit-keyring, standing for the package
// our users come from (PyPI is not reachable here): its distribution
// metadata and a backend module under its real name.
func positWheel(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "posit_keyring-1.2.0-py3-none-any.whl")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	files := [][2]string{
		{"posit_keyring/__init__.py", ""},
		{"posit_keyring/backends.py", "from keyring import backend\n\nclass PackageManagerKeyring(backend.KeyringBackend):\n    priority = 9\n"},
		{"posit_keyring-1.2.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: posit-keyring\nVersion: 1.2.0\n"},
		{"posit_keyring-1.2.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{"posit_keyring-1.2.0.dist-info/entry_points.txt", "[keyring.backends]\nposit = posit_keyring.backends\n"},
		{"posit_keyring-1.2.0.dist-info/RECORD", ""},
	}
	for _, fb := range files {
		w, err := zw.Create(fb[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(fb[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPositKeyringLeftovers: each thing posit-keyring's README had people
// set, and posit-keyring itself installed beside our backend, is one
// doctor line naming the fix; a clean machine gets no line at all.
func TestPositKeyringLeftovers(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	if r := (PositKeyring{}).Check(te.Env); len(r.Lines) != 0 {
		t.Errorf("no leftovers, yet: %+v", r)
	}
	const posit = "posit_keyring.backends.PackageManagerKeyring"

	te.set("PYTHON_KEYRING_BACKEND", posit)
	r := PositKeyring{}.Check(te.Env)
	if p := r.at(Problem); len(r.Lines) != 1 || len(p) != 1 || !strings.Contains(p[0], "PYTHON_KEYRING_BACKEND="+posit) || !strings.Contains(p[0], "unset PYTHON_KEYRING_BACKEND") || !strings.Contains(p[0], "git_credential_ppm.Keyring") {
		t.Errorf("PYTHON_KEYRING_BACKEND naming posit-keyring: %+v", r)
	}
	te.set("PYTHON_KEYRING_BACKEND", "git_credential_ppm.Keyring")
	if r := (PositKeyring{}).Check(te.Env); len(r.Lines) != 0 {
		t.Errorf("PYTHON_KEYRING_BACKEND naming ours: %+v", r)
	}
	te.set("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
	if r := (PositKeyring{}).Check(te.Env); len(r.at(Note)) != 1 || !strings.Contains(r.Lines[0].Text, "never ours") {
		t.Errorf("PYTHON_KEYRING_BACKEND naming another backend: %+v", r)
	}
	te.set("PYTHON_KEYRING_BACKEND", "")

	cfg := keyringConfigFile(te.Env)
	if runtime.GOOS != "windows" && cfg != filepath.Join(te.Home, ".config", "python_keyring", "keyringrc.cfg") {
		t.Errorf("keyringrc.cfg is looked for at %s", cfg)
	}
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte("[backend]\ndefault-keyring = "+posit+"\n"), 0o600)
	r = PositKeyring{}.Check(te.Env)
	if p := r.at(Problem); len(r.Lines) != 1 || len(p) != 1 || !strings.Contains(p[0], cfg) || !strings.Contains(p[0], "delete that file") {
		t.Errorf("keyringrc.cfg naming posit-keyring: %+v", r)
	}
	os.WriteFile(cfg, []byte("[backend]\ndefault-keyring=git_credential_ppm.Keyring\n"), 0o600)
	if r := (PositKeyring{}).Check(te.Env); len(r.Lines) != 0 {
		t.Errorf("keyringrc.cfg naming ours: %+v", r)
	}
	os.Remove(cfg)

	pipConf := pipConfigPath(te.Env)
	os.MkdirAll(filepath.Dir(pipConf), 0o700)
	os.WriteFile(pipConf, []byte("[global]\nindex-url = https://__token__@ppm.example.com/pypi-auth/latest/simple/\nkeyring_backend = "+posit+"\n"), 0o600)
	r = PositKeyring{}.Check(te.Env)
	if n := r.at(Note); len(r.Lines) != 1 || len(n) != 1 || !strings.Contains(n[0], pipConf) || !strings.Contains(n[0], "keyring_backend = "+posit) || !strings.Contains(n[0], "delete that line") {
		t.Errorf("pip.conf's keyring_backend: %+v", r)
	}
	os.Remove(pipConf)

	// posit-keyring installed beside our wheel, in a venv.
	if runtime.GOOS != "linux" {
		return
	}
	py := debianPython(t)
	venv := filepath.Join(te.Home, "venv")
	te.run(py, "-m", "venv", "--system-site-packages", venv)
	python := filepath.Join(venv, "bin", "python3") // pip and doctor run python3
	te.run(python, "-m", "pip", "install", "-q", "--no-index", positWheel(t, te.Home))
	te.set("PATH", filepath.Join(venv, "bin"))
	r = PositKeyring{}.Check(te.Env)
	if n := r.at(Note); len(r.Lines) != 1 || len(n) != 1 || !strings.Contains(n[0], "posit-keyring 1.2.0") || !strings.Contains(n[0], python+" -m pip uninstall -y posit-keyring") {
		t.Errorf("posit-keyring alone: %+v", r)
	}
	te.installWheel(python)
	r = PositKeyring{}.Check(te.Env)
	if p := r.at(Problem); len(r.Lines) != 1 || len(p) != 1 || !strings.Contains(p[0], "both answer for Package Manager") || !strings.Contains(p[0], python+" -m pip uninstall -y posit-keyring") {
		t.Errorf("posit-keyring beside our backend: %+v", r)
	}
	// Doctor's run: one Python start serves both checks.
	te.set("PYTHON_KEYRING_BACKEND", posit)
	reports := CheckAll(te.Env, []Client{PythonKeyring{}, PositKeyring{}})
	if len(reports[1].Lines) != 2 || te.probes != nil {
		t.Errorf("CheckAll: %+v (probes kept: %v)", reports, te.probes != nil)
	}
}
