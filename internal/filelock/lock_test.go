package filelock

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

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
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
	unlock, err := Lock(context.Background(), path, nil)
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

// lockAsync calls Lock in a goroutine; the pid passed to onWait arrives
// on waited, the result on done.
func lockAsync(ctx context.Context, path string) (waited chan int, done chan error) {
	waited, done = make(chan int, 1), make(chan error, 1)
	go func() {
		unlock, err := Lock(ctx, path, func(pid int) { waited <- pid })
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
		t.Fatalf("Lock returned (%v) while another process held the lock", err)
	default:
	}
	_ = h.stdin.Close() // the holder unlocks and exits
	if err := <-done; err != nil {
		t.Fatalf("Lock after the holder unlocked: %v", err)
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
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
}

func TestLockFileContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	h := holdLock(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	waited, done := lockAsync(ctx, path)
	// onWait comes within lockPIDPolls polls, normally long before the
	// context ends; on a machine slow enough (Wine under load) the context
	// may end first, and then onWait is not owed: never wait for it alone.
	var err error
	select {
	case pid := <-waited:
		if pid != h.cmd.Process.Pid {
			t.Errorf("onWait got pid %d; want %d", pid, h.cmd.Process.Pid)
		}
		err = <-done
	case err = <-done:
		select {
		case pid := <-waited:
			if pid != h.cmd.Process.Pid {
				t.Errorf("onWait got pid %d; want %d", pid, h.cmd.Process.Pid)
			}
		default:
			t.Log("the context ended before onWait was called (a slow machine)")
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock = %v; want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprint(h.cmd.Process.Pid)) {
		t.Errorf("error %q should name the lock file and the holder's pid", err)
	}
}

func TestLockFileCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Lock(ctx, filepath.Join(t.TempDir(), "x.lock"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a cancelled context = %v; want context.Canceled", err)
	}
}

// Two Lock calls in one process exclude each other as well.
func TestLockFileSameProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(context.Background(), path, nil)
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
		t.Fatalf("Lock after unlock: %v", err)
	}
}

func TestLockFilePermissions(t *testing.T) {
	filetest.SkipOnWindows(t, "Unix permissions")
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "x.lock")
	unlock, err := Lock(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	filetest.WantMode(t, dir, 0o700)
	filetest.WantMode(t, path, 0o600)
}

func TestLockFileUnusablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "x.lock") // a file where a directory should be
	if _, err := Lock(context.Background(), path, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Lock(%q) = %v; want an error naming the path", path, err)
	}
}

// TestLockRefusesSymlink: a link planted in place of a lock file (the
// lifecycle's login lock here) is refused, never followed: the file it
// points to is neither truncated nor written, and the link stays.
func TestLockRefusesSymlink(t *testing.T) {
	filetest.SkipOnWindows(t, "symlinks (a privilege there)")
	victim := filepath.Join(t.TempDir(), "victim")
	const content = "root-owned data that a planted link must not truncate\n"
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	login := filepath.Join(t.TempDir(), "login-0123.lock")
	if err := os.Symlink(victim, login); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(context.Background(), login, nil)
	if err == nil {
		_ = unlock()
		t.Fatal("Lock followed a symbolic link")
	}
	if !errors.Is(err, safefile.ErrRefused) || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("Lock of a planted link = %v; want a refusal naming the link", err)
	}
	if got := filetest.ReadFile(t, victim); got != content {
		t.Fatalf("the file behind the link now holds %q (%d bytes); want it untouched (%d bytes)", got, len(got), len(content))
	}
	if fi, err := os.Lstat(login); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the planted link was replaced (%v)", err)
	}
}

// TestLockFileRefusesFIFO: a lock file that is not a regular file is
// refused, and opening it does not block.
func TestLockFileRefusesFIFO(t *testing.T) {
	filetest.SkipOnWindows(t, "FIFOs")
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := filetest.Mkfifo(path); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	if unlock, err := Lock(context.Background(), path, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		if err == nil {
			_ = unlock()
		}
		t.Fatalf("Lock on a FIFO = %v; want a refusal", err)
	}
}

// TestLockDirWritableByOthers: a lock in a directory others can write to
// (0777, group-writable, sticky) is refused with the chmod to run, and
// its file is not created.
func TestLockDirWritableByOthers(t *testing.T) {
	filetest.SkipOnWindows(t, "Unix permissions")
	for _, mode := range []os.FileMode{0o777, 0o770, os.ModeSticky | 0o777} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), ".ppm")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			login := filepath.Join(dir, "login-0123.lock")
			if unlock, err := Lock(context.Background(), login, nil); err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) {
				if err == nil {
					_ = unlock()
				}
				t.Fatalf("Lock in a %04o directory = %v; want the refusal", mode, err)
			}
			if _, err := os.Stat(login); err == nil {
				t.Fatal("a refused lock created its file")
			}
		})
	}
}
