package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestDoctorGitOnlyUserPasses: git wired, pip and uv not: their lines are
// notes and doctor exits 0.
func TestDoctorGitOnlyUserPasses(t *testing.T) {
	t.Parallel()
	testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	key := "credential." + w.ppm.URL() + ".helper"
	w.git("config", "--global", key, "")
	w.git("config", "--global", "--add", key, helperBin)
	r := w.run("", "doctor")
	if r.code != 0 || strings.Contains(r.stdout, "✗") || !strings.Contains(r.stdout, "✓ git: ") {
		t.Errorf("doctor for a git-only user: %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout, "✓ pip") || strings.Contains(r.stdout, "✓ uv") {
		t.Errorf("doctor says pip/uv are wired:\n%s", r.stdout)
	}
}

// TestDoctorWithoutAddress: one line, exit 1.
func TestDoctorWithoutAddress(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("PACKAGEMANAGER_ADDRESS", "")
	r := w.run("", "doctor")
	if r.code != 1 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, "✗ configuration: no Package Manager address is configured") {
		t.Errorf("doctor without an address: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestDoctorIdentityFileThatIsAFIFO: doctor names a FIFO as not a regular
// file instead of blocking on it.
func TestDoctorIdentityFileThatIsAFIFO(t *testing.T) {
	t.Parallel()
	mkfifo := testtool.Need(t, "mkfifo")
	w := newWorld(t, fakeppm.Options{})
	fifo := filepath.Join(w.home, "oidc-fifo")
	if r := w.runCmd(exec.Command(mkfifo, fifo), ""); r.code != 0 {
		t.Fatalf("mkfifo: %s", r.stderr)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", fifo)
	r := w.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ identity: ") || !strings.Contains(r.stdout, "not a regular file") {
		t.Errorf("doctor with a FIFO as identity token file: %d\n%s", r.code, r.stdout)
	}
}
