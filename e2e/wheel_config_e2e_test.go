//go:build unix

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
)

// TestWheelBackendReadsTheRememberedAddress: the wheel's keyring backend,
// in a venv of Debian's python3, serves the address `setup ADDRESS`
// remembered with nothing exported — keyring get, and pip install in a new
// login shell; it leaves that decision to the binary (no address: a
// silent not-found); and a named pipe in the file's place hangs nothing.
func TestWheelBackendReadsTheRememberedAddress(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	v := newPyVenv(t, w, buildLinuxWheel(t, w.home))
	index := w.ppm.IndexURL()

	if r := v.keyring(nil, "get", index, "__token__"); r.code != 1 || r.stdout != "" || r.stderr != "" {
		t.Errorf("keyring get with nothing configured: %d %q %q; want a silent not-found", r.code, r.stdout, r.stderr)
	}
	if r := w.runCmd(exec.Command(v.script, "setup", w.ppm.URL()), ""); r.code != 0 {
		t.Fatalf("setup %s: %q %q", w.ppm.URL(), r.stdout, r.stderr)
	}
	r := v.keyring(nil, "get", index, "__token__")
	tok := strings.TrimSpace(r.stdout)
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("keyring get with the remembered address: %d %q", r.code, r.stderr)
	}

	// A new login shell that exports no address: pip, with the backend in
	// its own process (pip 23.0 imports keyring; posit-keyring's way), installs from the
	// authenticated index — the binary, which the backend asks for every
	// service, decides from the remembered address alone.
	bash := testtool.Need(t, "bash")
	before := w.ppm.Counts()
	auth := strings.Replace(w.ppm.AuthIndexURL(), "://", "://__token__@", 1)
	shell := exec.Command("env", "-i", "HOME="+w.home, "LANG=C",
		"PPM_CREDENTIAL_STORE=file", "PACKAGEMANAGER_SSO_TOKEN_FILE="+filepath.Join(w.home, ".ppm", "tokens.toml"),
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "PYTHONDONTWRITEBYTECODE=1",
		bash, "-l", "-c", `test -z "${PACKAGEMANAGER_ADDRESS+set}" || exit 9; "$0" -m pip install --index-url "$1" "$2" && "$0" -c 'import ppm_demo'`,
		v.python, auth, w.ppm.WheelName())
	if r := w.runCmd(shell, ""); r.code != 0 {
		t.Fatalf("pip install in a new login shell with the remembered address: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if after := w.ppm.Counts(); after.Unauthorized == before.Unauthorized || after.Repo-before.Repo < 3 {
		t.Errorf("pip did not go through a 401 to authenticated requests: before %+v, after %+v", before, after)
	}

	// With nothing remembered the backend still asks the binary, which
	// answers "not ours" without a word.
	cfg := filepath.Join(w.home, ".config", userconfig.DirName, userconfig.FileName)
	saved, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(cfg)
	if r := v.keyring(nil, "get", index, "__token__"); r.code != 1 || r.stdout != "" || r.stderr != "" {
		t.Errorf("keyring get once the address is forgotten: %d %q %q; want a silent not-found", r.code, r.stdout, r.stderr)
	}
	if err := os.WriteFile(cfg, saved, 0o600); err != nil {
		t.Fatal(err)
	}

	// A named pipe in the file's place: the backend does not block on it,
	// and the binary says what is wrong (keyring shows nothing).
	os.Remove(cfg)
	if err := syscall.Mkfifo(cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := v.keyring(nil, "get", index, "__token__"); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "not a regular file") {
		t.Errorf("keyring get with a FIFO as the configuration file: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// A symbolic link in its place is not followed, by either side.
	os.Remove(cfg)
	elsewhere := filepath.Join(w.home, "elsewhere.json")
	os.WriteFile(elsewhere, []byte(`{"addresses": ["`+w.ppm.URL()+`"]}`), 0o600)
	if err := os.Symlink(elsewhere, cfg); err != nil {
		t.Fatal(err)
	}
	if r := v.keyring(nil, "get", index, "__token__"); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "is a symbolic link, which is not followed") {
		t.Errorf("keyring get with a link as the configuration file: %d %q %q", r.code, r.stdout, r.stderr)
	}
	w.assertNoSecretsLeaked(tok)
}
