package e2e

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/internal/wheel"
)

// The wheel tests install our Linux wheel with Debian's own Python, pip
// 23.0.1 (which imports keyring in-process), keyring 23.9 and twine 4.0.2
// — the oldest versions the backend promises to work with.

const debianPython = "/usr/bin/python3"

// needDebianPython returns /usr/bin/python3 when it has keyring and twine
// (python3-keyring, twine, python3-venv); it skips on a laptop without
// them and fails under CI=true.
func needDebianPython(t testing.TB) string {
	slow(t)
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import keyring, twine, venv, ensurepip").CombinedOutput()
	if err == nil {
		return debianPython
	}
	msg := "Debian's python3 with python3-keyring, twine and python3-venv is not usable: " + strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; .ci/run must install them", msg)
	}
	t.Skipf("SKIPPING: %s (CI installs them)", msg)
	return ""
}

// buildLinuxWheel writes the wheel of the test binary (a static Linux
// build, like the release's) into dir.
func buildLinuxWheel(t testing.TB, dir string) string {
	t.Helper()
	return buildLinuxWheelOf(t, dir, helperBin)
}

// buildLinuxWheelOf writes into dir the wheel of the Linux binary at
// binPath with this checkout's keyring backend.
func buildLinuxWheelOf(t testing.TB, dir, binPath string) string {
	t.Helper()
	bin, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	name, data, err := wheel.Build(wheel.Options{Binary: bin, GOOS: "linux", GOARCH: runtime.GOARCH, Version: "0.0.0-SNAPSHOT-e2e", License: "MIT", Readme: readme})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pyVenv is a venv made by Debian's python3 with --system-site-packages,
// so keyring and twine come from Debian and the wheel from us.
type pyVenv struct {
	w      *world
	dir    string
	python string
	script string // the binary the wheel installed
}

func newPyVenv(t testing.TB, w *world, whl string) *pyVenv {
	slow(t)
	t.Helper()
	return newPyVenvAt(t, w, whl, filepath.Join(w.home, "venv"))
}

// newPyVenvAt makes the venv in dir, for a world that needs two.
func newPyVenvAt(t testing.TB, w *world, whl, dir string) *pyVenv {
	t.Helper()
	py := needDebianPython(t)
	v := &pyVenv{w: w, dir: dir}
	v.python = filepath.Join(v.dir, "bin", "python")
	v.script = filepath.Join(v.dir, "bin", "git-credential-ppm")
	if r := w.runCmd(exec.Command(py, "-m", "venv", "--system-site-packages", v.dir), ""); r.code != 0 {
		t.Fatalf("python3 -m venv: %s", r.stderr)
	}
	if r := v.pip("install", "--no-index", whl); r.code != 0 {
		t.Fatalf("pip install --no-index %s: %s\n%s", filepath.Base(whl), r.stdout, r.stderr)
	}
	return v
}

// run runs the venv's python with PATH reduced to the system's, so the
// binary the backend finds is the one the wheel installed.
func (v *pyVenv) run(env []string, args ...string) result {
	v.w.t.Helper()
	cmd := exec.Command(v.python, args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1"}, env...)
	return v.w.runCmd(cmd, "")
}

func (v *pyVenv) pip(args ...string) result {
	v.w.t.Helper()
	return v.run(nil, append([]string{"-m", "pip"}, args...)...)
}

func (v *pyVenv) keyring(env []string, args ...string) result {
	v.w.t.Helper()
	return v.run(env, append([]string{"-m", "keyring"}, args...)...)
}

// sitePackages is the venv's purelib directory.
func (v *pyVenv) sitePackages() string {
	r := v.run(nil, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
	if r.code != 0 {
		v.w.t.Fatalf("sysconfig: %s", r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// installOtherBackend adds a second keyring backend, the way any other
// plugin registers one (a distribution with a keyring.backends entry
// point): a priority-1 store keeping passwords in a JSON file, standing in
// for the Secret Service, macOS Keychain or Windows Credential Manager a
// person also has. With two backends keyring runs its chainer.
func (v *pyVenv) installOtherBackend(store string) {
	v.w.t.Helper()
	v.installBackend("ppm_other_backend", `import json, os
from keyring import backend
from keyring.backends.fail import Keyring as _Fail

STORE = "`+store+`"

def _load():
    try:
        with open(STORE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}

class OtherStore(backend.KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        return _load().get(service + "|" + username)

    def set_password(self, service, username, password):
        d = _load()
        d[service + "|" + username] = password
        with open(STORE, "w") as f:
            json.dump(d, f)
`)
}

// installBackend registers the Python module source as a keyring backend
// the way any plugin does: the module, and a distribution whose
// keyring.backends entry point names it.
func (v *pyVenv) installBackend(module, source string) {
	v.w.t.Helper()
	site := v.sitePackages()
	dist := strings.ReplaceAll(module, "_", "-")
	info := filepath.Join(site, module+"-1.0.dist-info")
	files := map[string]string{
		filepath.Join(site, module+".py"):       source,
		filepath.Join(info, "METADATA"):         "Metadata-Version: 2.1\nName: " + dist + "\nVersion: 1.0\n",
		filepath.Join(info, "entry_points.txt"): "[keyring.backends]\n" + module + " = " + module + "\n",
		filepath.Join(info, "RECORD"):           "",
	}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			v.w.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			v.w.t.Fatal(err)
		}
	}
}

const ourBackend = "git_credential_ppm.Keyring (priority: 9.9)"

// TestWheelWithRealPython installs the wheel with Debian's pip into a venv
// and uses it as people do: the binary on the venv's PATH, keyring's CLI,
// twine and pip reaching Package Manager with no wrapper, then uninstall.
func TestWheelWithRealPython(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	whl := buildLinuxWheel(t, w.home)
	v := newPyVenv(t, w, whl)
	index := w.ppm.IndexURL()
	withAddr := []string{}
	for _, kv := range w.env {
		if strings.HasPrefix(kv, "PACKAGEMANAGER_ADDRESS=") {
			withAddr = append(withAddr, kv)
		}
	}
	// "No configuration" below: neither an address nor a keyringrc.cfg.
	w.set("PACKAGEMANAGER_ADDRESS", "")

	t.Run("binary installed", func(t *testing.T) {
		fi, err := os.Stat(v.script)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			t.Fatalf("venv/bin/git-credential-ppm: %v %v", fi, err)
		}
		r := w.runCmd(exec.Command(v.script, "version"), "")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "git-credential-ppm ") {
			t.Errorf("venv/bin/git-credential-ppm version: %d %q %q", r.code, r.stdout, r.stderr)
		}
		// pip and uv tool install / pipx find executables through RECORD.
		r = v.run(nil, "-c", "import importlib.metadata as m; print('\\n'.join(str(f) for f in m.distribution('git-credential-ppm').files))")
		if !strings.Contains(r.stdout, "bin/git-credential-ppm\n") {
			t.Errorf("the installed RECORD does not list the script: %q %q", r.stdout, r.stderr)
		}
		zr, err := zip.OpenReader(whl)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		rec := readZipFile(t, &zr.Reader, "git_credential_ppm-0.0.0.dev0+e2e.dist-info/RECORD")
		if !strings.Contains(rec, "git_credential_ppm-0.0.0.dev0+e2e.data/scripts/git-credential-ppm,sha256=") {
			t.Errorf("the wheel's RECORD does not list the script:\n%s", rec)
		}
	})

	t.Run("listed with no configuration", func(t *testing.T) {
		r := v.keyring(nil, "--list-backends")
		if r.code != 0 || !strings.Contains(r.stdout, ourBackend) {
			t.Fatalf("keyring --list-backends: %d %q %q", r.code, r.stdout, r.stderr)
		}
		// Nothing configured: keyring keeps working, ours answers None.
		if r := v.keyring(nil, "get", index, "__token__"); r.code != 1 || r.stdout != "" || r.stderr != "" {
			t.Errorf("keyring get with no PACKAGEMANAGER_ADDRESS: %d %q %q", r.code, r.stdout, r.stderr)
		}
	})

	var tok string
	t.Run("keyring get", func(t *testing.T) {
		r := v.keyring(withAddr, "get", index, "__token__")
		tok = strings.TrimSpace(r.stdout)
		if r.code != 0 || !w.ppm.ValidToken(tok) {
			t.Fatalf("keyring get %s __token__: %d %q", index, r.code, r.stderr)
		}
		host := hostOf(w.ppm.URL())
		if r := v.keyring(withAddr, "get", host, "__token__"); strings.TrimSpace(r.stdout) != tok {
			t.Errorf("keyring get %s (pip's netloc lookup): %d %q", host, r.code, r.stderr)
		}
		// get_credential without a user, as pip and poetry call it.
		r = v.run(withAddr, "-c", "import sys, keyring; c = keyring.get_credential(sys.argv[1], None); print(c.username, c.password == sys.argv[2])", index, tok)
		if strings.TrimSpace(r.stdout) != "__token__ True" {
			t.Errorf("keyring.get_credential(index, None): %q %q", r.stdout, r.stderr)
		}
		if r := v.keyring(withAddr, "get", index, "alice"); r.code != 1 || r.stdout != "" {
			t.Errorf("keyring get for another user: %d %q", r.code, r.stdout)
		}
		if c := w.ppm.Counts(); c.Exchange != 1 {
			t.Errorf("exchanges = %d; want 1 (later gets come from the store)", c.Exchange)
		}
	})

	t.Run("foreign service goes to the next backend", func(t *testing.T) {
		const foreign = "https://pypi.org/legacy/"
		// Ours alone: None, so keyring says "not found".
		if r := v.keyring(withAddr, "get", foreign, "alice"); r.code != 1 || r.stdout != "" {
			t.Errorf("keyring get %s with only our backend: %d %q %q", foreign, r.code, r.stdout, r.stderr)
		}
		// set of a foreign service with ours alone: not ours to keep, and
		// not our refusal either.
		r := v.run(withAddr, "-c", `import sys, keyring, keyring.errors
try:
    keyring.set_password(sys.argv[1], "alice", "typed")
except keyring.errors.PasswordSetError as e:
    print(type(e).__name__, isinstance(e, NotImplementedError), e)`, foreign)
		if !strings.Contains(r.stdout, "SetNotOurs True git-credential-ppm keeps no password for "+foreign) {
			t.Errorf("set_password of a foreign service with only our backend: %q %q", r.stdout, r.stderr)
		}
		store := filepath.Join(w.home, "other-store.json")
		v.installOtherBackend(store)
		// set passes our backend by (keyring's chainer skips a
		// NotImplementedError) and lands in the other store.
		r = v.run(withAddr, "-c", "import sys, keyring; keyring.set_password(sys.argv[1], 'alice', 'other-secret')", foreign)
		if r.code != 0 || !fileExists(store) {
			t.Fatalf("set_password of a foreign service with a second backend: %d %q", r.code, r.stderr)
		}
		// The keyring CLI's set (what pip runs after a person typed a
		// password) takes the same way.
		set := exec.Command(v.python, "-m", "keyring", "set", "https://pypi.org/simple/", "bob")
		set.Env = append([]string{"PATH=/usr/bin:/bin"}, withAddr...)
		if r := w.runCmd(set, "bob-secret\n"); r.code != 0 {
			t.Errorf("keyring set of a foreign service with a second backend: %d %q %q", r.code, r.stdout, r.stderr)
		}
		if r := v.keyring(withAddr, "get", "https://pypi.org/simple/", "bob"); r.stdout != "bob-secret\n" {
			t.Errorf("keyring get after keyring set of a foreign service: %d %q %q", r.code, r.stdout, r.stderr)
		}
		r = v.keyring(withAddr, "get", foreign, "alice")
		if r.code != 0 || r.stdout != "other-secret\n" {
			t.Errorf("keyring get %s: %d %q %q; want the other backend's answer", foreign, r.code, r.stdout, r.stderr)
		}
		r = v.run(withAddr, "-c", "import sys, git_credential_ppm as g; print(g.Keyring().get_password(sys.argv[1], 'alice'))", foreign)
		if strings.TrimSpace(r.stdout) != "None" {
			t.Errorf("our backend for a foreign service: %q %q", r.stdout, r.stderr)
		}
		// Services and users that look like options stay words.
		r = v.run(withAddr, "-c", "import git_credential_ppm as g; k = g.Keyring(); print(k.get_password('--list-backends', '-h'), k.get_credential('-h', None))")
		if r.code != 0 || strings.TrimSpace(r.stdout) != "None None" || r.stderr != "" {
			t.Errorf("option-like service: %d %q %q", r.code, r.stdout, r.stderr)
		}
		// set of our service is refused even with a second backend behind
		// ours (keyring's chainer passes only a NotImplementedError on):
		// a typed password never lands in the other store.
		r = v.run(withAddr, "-c", `import sys, keyring, keyring.errors
try:
    keyring.set_password(sys.argv[1], "__token__", "typed")
except keyring.errors.PasswordSetError as e:
    print("refused:", e)`, index)
		if !strings.Contains(r.stdout, "refused: keyring set is not supported") || strings.Count(r.stdout+r.stderr, "not supported") != 1 {
			t.Errorf("set_password of our service with a second backend: %q %q; want our refusal, once", r.stdout, r.stderr)
		}
		if b, _ := os.ReadFile(store); strings.Contains(string(b), "typed") {
			t.Errorf("the typed password for our service reached the other store: %s", b)
		}
		// Ours is asked first: our service gets the token, not the other
		// store's entry for it.
		if err := os.WriteFile(store, []byte(`{"`+index+`|__token__": "stale"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := v.keyring(withAddr, "get", index, "__token__"); strings.TrimSpace(r.stdout) != tok {
			t.Errorf("with two backends our service did not get our token: %q %q", r.stdout, r.stderr)
		}
		if r := v.keyring(withAddr, "--list-backends"); !strings.Contains(r.stdout, "ChainerBackend (priority: 10)") || !strings.Contains(r.stdout, ourBackend) {
			t.Errorf("--list-backends with two backends: %q", r.stdout)
		}
		os.Remove(filepath.Join(v.sitePackages(), "ppm_other_backend.py"))
		os.RemoveAll(filepath.Join(v.sitePackages(), "ppm_other_backend-1.0.dist-info"))
	})

	t.Run("set refused with the CLI's message", func(t *testing.T) {
		r := v.run(withAddr, "-c", `import sys, keyring, keyring.errors
try:
    keyring.set_password(sys.argv[1], "__token__", "typed")
except keyring.errors.PasswordSetError as e:
    print("refused:", e)`, index)
		if !strings.Contains(r.stdout, "refused: keyring set is not supported") || !strings.Contains(r.stdout, "git-credential-ppm login") {
			t.Errorf("set_password: %q %q", r.stdout, r.stderr)
		}
	})

	t.Run("twine upload with no exec and no password", func(t *testing.T) {
		dist := filepath.Join(w.home, "upload")
		os.MkdirAll(dist, 0o700)
		demo := filepath.Join(dist, w.ppm.WheelFile())
		if err := os.WriteFile(demo, w.ppm.WheelBytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		r := v.run(append([]string{"TWINE_USERNAME=__token__"}, withAddr...), "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", w.ppm.UploadURL(), demo)
		if r.code != 0 {
			t.Fatalf("twine upload: %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if up := w.ppm.Uploads(); len(up) != 1 || up[0] != w.ppm.WheelFile() {
			t.Errorf("uploads = %v", up)
		}
	})

	t.Run("pip download imports keyring", func(t *testing.T) {
		dl := filepath.Join(w.home, "dl")
		// No user in the URL: pip's import mode calls get_credential(url, None).
		r := v.run(withAddr, "-m", "pip", "download", "--no-deps", "-d", dl, "--index-url", index, w.ppm.WheelName())
		if r.code != 0 || !fileExists(filepath.Join(dl, w.ppm.WheelFile())) {
			t.Fatalf("pip download through the backend: %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if r := v.pip("--version"); !strings.HasPrefix(r.stdout, "pip 23.0.1") {
			t.Logf("note: the venv's pip is %q, not Debian 12's 23.0.1", strings.TrimSpace(r.stdout))
		}
	})

	t.Run("delete logs out", func(t *testing.T) {
		before := w.ppm.Counts().Exchange
		if r := v.keyring(withAddr, "del", index, "__token__"); r.code != 0 {
			t.Fatalf("keyring del: %d %q %q", r.code, r.stdout, r.stderr)
		}
		if r := v.keyring(withAddr, "get", index, "__token__"); r.code != 0 || w.ppm.Counts().Exchange != before+1 {
			t.Errorf("after del, a get should log in again: %d, exchanges %d → %d", r.code, before, w.ppm.Counts().Exchange)
		}
	})

	t.Run("no binary, no backend", func(t *testing.T) {
		hidden := v.script + ".hidden"
		if err := os.Rename(v.script, hidden); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(hidden, v.script)
		r := v.keyring(withAddr, "--list-backends")
		if r.code != 0 || strings.Contains(r.stdout, "git_credential_ppm") {
			t.Errorf("--list-backends without the binary: %d %q %q", r.code, r.stdout, r.stderr)
		}
		// keyring behaves as with no backend of ours: no other backend
		// here, so its own "no recommended backend" error, none from us.
		if r := v.keyring(withAddr, "get", index, "__token__"); r.code != 1 || r.stdout != "" || strings.Contains(r.stderr, "git_credential_ppm") || !strings.Contains(r.stderr, "NoKeyringError") {
			t.Errorf("keyring get without the binary: %d %q %q", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("not asked from under itself", func(t *testing.T) {
		r := v.keyring(append([]string{"PPM_KEYRING_BACKEND_CHILD=1"}, withAddr...), "--list-backends")
		if strings.Contains(r.stdout, "git_credential_ppm") {
			t.Errorf("the backend is offered inside its own child: %q", r.stdout)
		}
	})

	t.Run("pip uninstall", func(t *testing.T) {
		if r := v.pip("uninstall", "-y", "git-credential-ppm"); r.code != 0 {
			t.Fatalf("pip uninstall: %s %s", r.stdout, r.stderr)
		}
		if fileExists(v.script) {
			t.Errorf("the binary is still in the venv")
		}
		if r := v.run(nil, "-c", "import git_credential_ppm"); r.code == 0 {
			t.Errorf("the backend still imports after uninstall")
		}
		if r := v.keyring(withAddr, "--list-backends"); strings.Contains(r.stdout, "git_credential_ppm") {
			t.Errorf("still listed after uninstall: %q", r.stdout)
		}
	})
	if tok != "" { // not when -run picked subtests without a login
		w.assertNoSecretsLeaked(tok)
	}
}

func readZipFile(t *testing.T, zr *zip.Reader, name string) string {
	t.Helper()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s is not in the wheel", name)
	return ""
}

// TestWheelBackendLoginReachesThePerson: with nothing stored, a twine-style
// lookup through the backend starts the device flow; the binary's lines
// reach the person (the backend passes stderr through, it does not
// capture it), the browser approves, and the token comes back. Whatever
// the binary starts sees the recursion guard.
func TestWheelBackendLoginReachesThePerson(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.withBrowserScript("browser.sh", `echo "guard=$PPM_KEYRING_BACKEND_CHILD" >> `+filepath.Join(w.home, "guard.log")+`; curl -fsS -o /dev/null "$1"`)
	testtool.Need(t, "curl")
	v := newPyVenv(t, w, buildLinuxWheel(t, w.home))
	r := v.run(nil, "-c", "import sys, keyring; p = keyring.get_password(sys.argv[1], '__token__'); print(len(p or ''))", w.ppm.UploadURL())
	if r.code != 0 || strings.TrimSpace(r.stdout) == "0" {
		t.Fatalf("get_password with a login: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if c := w.ppm.Counts(); c.Device != 1 || c.Approved != 1 || c.Exchange != 1 {
		t.Errorf("counts %+v; want one device flow, approved, one exchange", c)
	}
	if !strings.Contains(r.stderr, "code") {
		t.Errorf("the login's lines did not reach the person: %q", r.stderr)
	}
	if g, _ := os.ReadFile(filepath.Join(w.home, "guard.log")); strings.TrimSpace(string(g)) != "guard=1" {
		t.Errorf("the binary's children do not see PPM_KEYRING_BACKEND_CHILD=1: %q", g)
	}
	tok := strings.TrimSpace(v.keyring(nil, "get", w.ppm.IndexURL(), "__token__").stdout)
	if !w.ppm.ValidToken(tok) || w.ppm.Counts().Exchange != 1 {
		t.Errorf("the login's token was not stored for the next lookup")
	}
	w.assertNoSecretsLeaked(tok)
}
