package platform

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envLockHelper turns the test binary into a process that holds a lock (see
// TestLockHelperProcess).
const envLockHelper = "PPM_TEST_LOCK_HELPER"

// TestLockHelperProcess is not a test: re-run by the lock tests with
// envLockHelper set to a path, it locks that path, prints "locked", and
// holds the lock until its stdin closes.
func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv(envLockHelper)
	if path == "" {
		t.Skip("helper process for the lock tests")
	}
	unlock, err := LockFile(context.Background(), path, nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := unlock(); err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

type lockHolder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// holdLock starts a process that locks path and returns once it holds it.
func holdLock(t *testing.T, path string) *lockHolder {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestLockHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envLockHelper+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the lock holder: %v", err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("the lock holder said %q (%v); want \"locked\"", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &lockHolder{cmd: cmd, stdin: stdin}
}

// lockAsync calls LockFile in a goroutine; the pid passed to onWait arrives
// on waited, the result on done.
func lockAsync(ctx context.Context, path string) (waited chan int, done chan error) {
	waited, done = make(chan int, 1), make(chan error, 1)
	go func() {
		unlock, err := LockFile(ctx, path, func(pid int) { waited <- pid })
		if err == nil {
			err = unlock()
		}
		done <- err
	}()
	return waited, done
}

func TestLockFileOtherProcessReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.lock")
	h := holdLock(t, path)
	waited, done := lockAsync(context.Background(), path)
	if pid := <-waited; pid != h.cmd.Process.Pid {
		t.Errorf("onWait got pid %d; want the holder's pid %d", pid, h.cmd.Process.Pid)
	}
	select {
	case err := <-done:
		t.Fatalf("LockFile returned (%v) while another process held the lock", err)
	default:
	}
	_ = h.stdin.Close() // the holder unlocks and exits
	if err := <-done; err != nil {
		t.Fatalf("LockFile after the holder unlocked: %v", err)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Errorf("the lock holder failed: %v", err)
	}
}

func TestLockFileHolderKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h := holdLock(t, path)
	waited, done := lockAsync(context.Background(), path)
	<-waited
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("LockFile after the holder was killed: %v", err)
	}
}

func TestLockFileContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h := holdLock(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	waited, done := lockAsync(ctx, path)
	err := <-done
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockFile = %v; want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprint(h.cmd.Process.Pid)) {
		t.Errorf("error %q should name the lock file and the holder's pid", err)
	}
	if pid := <-waited; pid != h.cmd.Process.Pid {
		t.Errorf("onWait got pid %d; want %d", pid, h.cmd.Process.Pid)
	}
}

func TestLockFileCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LockFile(ctx, filepath.Join(t.TempDir(), "x.lock"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("LockFile with a cancelled context = %v; want context.Canceled", err)
	}
}

// Two LockFile calls in one process exclude each other as well.
func TestLockFileSameProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := LockFile(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("the lock file holds %q; want this process's pid %d", b, os.Getpid())
	}
	waited, done := lockAsync(context.Background(), path)
	if pid := <-waited; pid != os.Getpid() {
		t.Errorf("onWait got %d; want %d", pid, os.Getpid())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Errorf("a second unlock: %v; want nil", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("LockFile after unlock: %v", err)
	}
}

func TestLockFilePermissions(t *testing.T) {
	skipOnWindows(t, "Unix permissions")
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "x.lock")
	unlock, err := LockFile(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	wantMode(t, dir, 0o700)
	wantMode(t, path, 0o600)
}

func TestLockFileUnusablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "x.lock") // a file where a directory should be
	if _, err := LockFile(context.Background(), path, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("LockFile(%q) = %v; want an error naming the path", path, err)
	}
}
