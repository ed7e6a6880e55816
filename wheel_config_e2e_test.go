//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
)

// TestWheelBackendReadsTheRememberedAddress: the wheel's keyring backend,
// in a venv of Debian's python3, serves the address `setup ADDRESS`
// remembered with nothing exported; it computes the configuration file's
// path as the binary does; and a named pipe in the file's place hangs
// nothing.
func TestWheelBackendReadsTheRememberedAddress(t *testing.T) {
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

	// The backend's path is the binary's, for each rule of the XDG lookup.
	for _, env := range [][]string{
		{"XDG_CONFIG_HOME="},
		{"XDG_CONFIG_HOME=" + filepath.Join(w.home, "xdg")},
		{"XDG_CONFIG_HOME=relative/dir"},
	} {
		r := v.run(env, "-c", "import git_credential_ppm as g; print(g.config_path())")
		want, err := userconfig.Path(envLookup(append(append([]string{}, w.env...), env...)))
		if err != nil {
			want = "None"
		}
		if got := strings.TrimSpace(r.stdout); got != want {
			t.Errorf("%v: the backend's config_path() = %q (%s); the binary's %q", env, got, r.stderr, want)
		}
	}

	// A named pipe in the file's place: the backend does not block on it,
	// and the binary says what is wrong (keyring shows nothing).
	cfg := filepath.Join(w.home, ".config", userconfig.DirName, userconfig.FileName)
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
