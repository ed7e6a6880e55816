//go:build unix

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/filelock"
	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// startHelper starts `git-credential-ppm args…` without a terminal, with
// stdin as its input.
func startHelper(t *testing.T, w *world, stdin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	c := exec.Command(helperBin, args...)
	c.Env = w.env
	withoutTerminal(c)
	c.Stdin = strings.NewReader(stdin)
	var errb bytes.Buffer
	c.Stderr = &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Process.Signal(syscall.SIGCONT)
		_ = c.Process.Kill()
		_ = c.Wait()
	})
	return c, &errb
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWaiterGivesUpOnAStoppedLogin: the process holding the login lock is
// stopped (SIGSTOP) in the middle of its device flow. A second request
// waits for it only until that login's code has expired, then says why it
// gave up, naming the stopped process.
func TestWaiterGivesUpOnAStoppedLogin(t *testing.T) {
	w := newWorld(t, fakeppm.Options{DeviceExpiresIn: 3 * time.Second}).withIdleBrowser()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	holder, _ := startHelper(t, w, req, "get")
	waitFor(t, "the first process to poll its device code", func() bool { return w.ppm.Counts().DeviceAccess > 0 })
	if err := holder.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	r := w.run(req, "get")
	if r.code == 0 || r.stdout != "" {
		t.Fatalf("the waiter answered: exit %d, stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "gave up waiting") || !strings.Contains(r.stderr, fmt.Sprintf("pid %d", holder.Process.Pid)) || !strings.Contains(r.stderr, "stopped") {
		t.Errorf("stderr %q; want a line saying it gave up on the stopped process %d and why", r.stderr, holder.Process.Pid)
	}
	if c := w.ppm.Counts(); c.Device != 1 {
		t.Errorf("device flows = %d; want 1 (the waiter starts none of its own)", c.Device)
	}
}

// TestSIGTERMEndsWhatIgnoresTheContext: `login` has its token and is
// saving it, but another writer holds tokens.toml's lock (the file store
// waits up to 10 s for it, whatever the context). SIGTERM still ends the
// command within a second, with one line.
func TestSIGTERMEndsWhatIgnoresTheContext(t *testing.T) {
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	unlock, err := filelock.Lock(context.Background(), filepath.Join(w.home, ".ppm", "tokens.toml.lock"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	login, errb := startHelper(t, w, "", "login")
	waitFor(t, "the exchange", func() bool { return w.ppm.Counts().Exchange > 0 })
	time.Sleep(100 * time.Millisecond) // into the store's wait for its lock
	if err := login.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- login.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second): // the store alone would wait 10 s
		t.Fatal("login did not end within 5 s of SIGTERM")
	}
	if code := login.ProcessState.ExitCode(); code != exitFailure || strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 || !strings.Contains(errb.String(), "stopped by") {
		t.Errorf("after SIGTERM: exit %d, stderr %q; want 1 and one line", code, errb.String())
	}
}
