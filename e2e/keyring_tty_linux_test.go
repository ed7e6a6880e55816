//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestKeyringLoginWithoutControllingTerminal: the helper runs in a new
// session, so /dev/tty really cannot be opened, as under pip ≥ 26.2 or uv
// started from a CI job or an IDE.
func TestKeyringLoginWithoutControllingTerminal(t *testing.T) {
	w := newWorld(t, fakeppm.Options{})
	w.set("GIT_TERMINAL_PROMPT", "")
	w.set("BROWSER", "")
	w.set("DISPLAY", "")
	w.set("WAYLAND_DISPLAY", "")
	w.keyringLink()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, filepath.Join(w.home, "keyring-bin", "keyring"), "--mode=creds", "--output=json", "get", w.ppm.IndexURL())
	c.Env = w.env
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("keyring get with nobody to reach: %v (stderr %q)", err, errb.String())
	}
	if out.Len() != 0 || !strings.Contains(errb.String(), "git-credential-ppm login") {
		t.Errorf("stdout %q, stderr %q; want nothing and a line saying how to log in", out.String(), errb.String())
	}
	if n := w.ppm.Counts().Device; n != 0 {
		t.Errorf("%d device flows started that nobody could approve", n)
	}
}

// TestKeyringLoginReachesTheTerminal: pip ≥ 26.2 and uv (--mode creds)
// capture keyring's stderr. The login prompt must still reach the person:
// run on a pseudo-terminal (script(1)) with stdout and stderr redirected to
// files, the verification URL appears on the terminal, not in the
// captured stderr, and the answer is on stdout.
func TestKeyringLoginReachesTheTerminal(t *testing.T) {
	script := testtool.Need(t, "script")
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	link := w.keyringLink()
	outFile, errFile := filepath.Join(w.home, "out"), filepath.Join(w.home, "err")
	inner := link + " --mode=creds --output=json get " + w.ppm.IndexURL() + " </dev/null >" + outFile + " 2>" + errFile
	r := w.runCmd(exec.Command(script, "-q", "-e", "-c", inner, "/dev/null"), "")
	stdout, _ := os.ReadFile(outFile)
	stderr, _ := os.ReadFile(errFile)
	if r.code != 0 || !strings.HasPrefix(string(stdout), `{"username": "__token__", "password": "`) {
		t.Fatalf("keyring on a terminal: %d, terminal %q, stdout %q, stderr %q", r.code, r.stdout, stdout, stderr)
	}
	if !strings.Contains(r.stdout, "To sign in to Posit Package Manager") {
		t.Errorf("the login prompt did not reach the terminal: %q", r.stdout)
	}
	if strings.Contains(string(stderr), "To sign in") {
		t.Errorf("the login prompt went to the captured stderr: %q", stderr)
	}
}
