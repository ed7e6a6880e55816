package platform

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// plantedToken is what another user "planted" in a file they could write.
const plantedToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmlsIn0.PLANTED"

const tokenFileWithPlant = "[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + plantedToken + "\"\nauth_type = \"sso\"\n"

// TestLockSymlinkLeavesTargetAlone: a link planted as tokens.toml.lock
// pointing at a file outside the directory must not truncate or write that
// file; the write is refused with a line saying to remove the link. Locks of
// the lifecycle (LockFile directly) likewise.
func TestLockSymlinkLeavesTargetAlone(t *testing.T) {
	skipOnWindows(t, "symlinks (a privilege there)")
	victim := filepath.Join(t.TempDir(), "victim")
	const content = "root-owned data that a planted link must not truncate\n"
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newTestFileStore(t, "")
	if err := os.Symlink(victim, s.path+".lock"); err != nil {
		t.Fatal(err)
	}
	err := s.Set("https://ppm.example.com", tokA)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("Set with a planted lock link = %v; want a refusal naming the link", err)
	}
	if strings.Contains(err.Error(), tokA) {
		t.Fatal("the error holds the token")
	}
	if err := s.Delete("https://ppm.example.com"); err == nil {
		t.Fatal("Delete with a planted lock link succeeded")
	}
	login := filepath.Join(filepath.Dir(s.path), "login-0123.lock")
	if err := os.Symlink(victim, login); err != nil {
		t.Fatal(err)
	}
	if unlock, err := LockFile(context.Background(), login, nil); err == nil {
		_ = unlock()
		t.Fatal("LockFile followed a symbolic link")
	}
	if got := readFile(t, victim); got != content {
		t.Fatalf("the file behind the link now holds %q (%d bytes); want it untouched (%d bytes)", got, len(got), len(content))
	}
	if fi, err := os.Lstat(s.path + ".lock"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the planted link was replaced (%v)", err)
	}
}

// TestLockFileRefusesFIFO: a lock file that is not a regular file is
// refused, and opening it does not block.
func TestLockFileRefusesFIFO(t *testing.T) {
	skipOnWindows(t, "FIFOs")
	path := filepath.Join(t.TempDir(), "x.lock")
	if err := mkfifo(path); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	if unlock, err := LockFile(context.Background(), path, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		if err == nil {
			_ = unlock()
		}
		t.Fatalf("LockFile on a FIFO = %v; want a refusal", err)
	}
}

func mkfifo(path string) error {
	return exec.Command("mkfifo", path).Run()
}

// TestTokenDirWritableByOthers: a 0777 (or group-writable) token directory
// is refused by Get, Set, Delete and CheckTokenDir, with the chmod to run.
func TestTokenDirWritableByOthers(t *testing.T) {
	skipOnWindows(t, "Unix permissions")
	for _, mode := range []os.FileMode{0o777, 0o770, os.ModeSticky | 0o777} {
		t.Run(mode.String(), func(t *testing.T) {
			s := newTestFileStore(t, tokenFileWithPlant)
			dir := filepath.Dir(s.path)
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			before := readFile(t, s.path)
			for op, err := range map[string]error{
				"Get":           getErr(s),
				"Set":           s.Set("https://ppm.example.com", tokA),
				"Delete":        s.Delete("https://ppm.example.com"),
				"CheckTokenDir": CheckTokenDir(s.path),
			} {
				if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) || strings.Contains(err.Error(), plantedToken) {
					t.Errorf("%s in a %04o directory = %v; want a refusal saying chmod 700", op, mode, err)
				}
			}
			if readFile(t, s.path) != before {
				t.Fatal("a refused write changed the file")
			}
			if _, err := os.Stat(s.path + ".lock"); err == nil {
				t.Fatal("a refused write created a lock file in the directory")
			}
			login := filepath.Join(dir, "login-0123.lock") // the lifecycle's lock
			if unlock, err := LockFile(context.Background(), login, nil); err == nil || !strings.Contains(err.Error(), "chmod 700") {
				if err == nil {
					_ = unlock()
				}
				t.Fatalf("LockFile in a %04o directory = %v; want the refusal", mode, err)
			}
		})
	}
}

func getErr(s *FileStore) error {
	_, err := s.Get("https://ppm.example.com")
	return err
}

// TestTokensFileWritableByGroup: a 0660 tokens.toml holding a planted token
// is not served, nor overwritten; CheckTokenDir says so too.
func TestTokensFileWritableByGroup(t *testing.T) {
	skipOnWindows(t, "Unix permissions")
	s := newTestFileStore(t, tokenFileWithPlant)
	if err := os.Chmod(s.path, 0o660); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("https://ppm.example.com")
	if err == nil || got != "" || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), plantedToken) {
		t.Fatalf("Get of a 0660 tokens file = (%q, %v); want a refusal saying chmod 600, without the token", got, err)
	}
	if err := s.Set("https://ppm.example.com", tokA); err == nil {
		t.Fatal("Set into a 0660 tokens file succeeded")
	}
	if err := CheckTokenDir(s.path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("CheckTokenDir = %v; want the same refusal", err)
	}
	wantMode(t, s.path, 0o660) // refused, not silently "fixed"
}

// TestTokenDirOwnedByAnother: a tokens file or directory of another user is
// refused. Needs root (to chown); CI runs as root.
func TestTokenDirOwnedByAnother(t *testing.T) {
	skipOnWindows(t, "Unix owners")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root to chown a file to another user, and CI=true")
		}
		t.Skip("SKIPPED: needs root to chown a file to another user")
	}
	const other = 4242
	t.Run("file", func(t *testing.T) {
		s := newTestFileStore(t, tokenFileWithPlant)
		if err := os.Chown(s.path, other, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get("https://ppm.example.com"); err == nil || !strings.Contains(err.Error(), "belongs to user 4242") {
			t.Fatalf("Get of another user's tokens file = %v; want a refusal naming the owner", err)
		}
		if err := CheckTokenDir(s.path); err == nil {
			t.Fatal("CheckTokenDir accepted another user's tokens file")
		}
	})
	t.Run("directory", func(t *testing.T) {
		s := newTestFileStore(t, tokenFileWithPlant)
		if err := os.Chown(filepath.Dir(s.path), other, other); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("https://ppm.example.com", tokA); err == nil || !strings.Contains(err.Error(), "token directory") {
			t.Fatalf("Set in another user's directory = %v; want a refusal", err)
		}
	})
	t.Run("lock file", func(t *testing.T) {
		s := newTestFileStore(t, "")
		if err := os.WriteFile(s.path+".lock", nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(s.path+".lock", other, other); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("https://ppm.example.com", tokA); err == nil || !strings.Contains(err.Error(), "lock file") {
			t.Fatalf("Set with another user's lock file = %v; want a refusal", err)
		}
	})
}

func TestCheckTokenDirAcceptsOwnFiles(t *testing.T) {
	s := newTestFileStore(t, "<missing>")
	if err := CheckTokenDir(s.path); err != nil {
		t.Fatalf("CheckTokenDir with nothing there yet = %v", err)
	}
	if err := s.Set("https://ppm.example.com", tokA); err != nil {
		t.Fatal(err)
	}
	if err := CheckTokenDir(s.path); err != nil {
		t.Fatalf("CheckTokenDir after a Set = %v", err)
	}
}

// TestReadOwnFileRefusesSymlink: the warning marker is read without
// following a link.
func TestReadOwnFileRefusesSymlink(t *testing.T) {
	skipOnWindows(t, "symlinks (a privilege there)")
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("not for the helper"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".store-warning")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadOwnFile(link, 4096); err == nil || !errors.Is(err, errSymlink) {
		t.Fatalf("ReadOwnFile through a link = (%q, %v); want errSymlink", b, err)
	}
	if b, err := ReadOwnFile(secret, 3); err != nil || string(b) != "not" {
		t.Fatalf("ReadOwnFile of a plain file, limit 3 = (%q, %v)", b, err)
	}
}

// Environment of the interrupted-writer child (TestInterruptedWriterChild).
const (
	envWriterPath  = "PPM_TEST_INTERRUPTED_WRITER_PATH"
	envWriterToken = "PPM_TEST_INTERRUPTED_WRITER_TOKEN"
)

// TestInterruptedWriterChild is not a test: run by
// TestKilledWriterLeavesNoToken as a child process, it does what a Set
// does up to the rename (the lock, the temporary file with the token,
// synced), says "ready" and waits to be killed.
func TestInterruptedWriterChild(t *testing.T) {
	path := os.Getenv(envWriterPath)
	if path == "" {
		t.Skip("helper process for TestKilledWriterLeavesNoToken")
	}
	if _, err := LockFile(context.Background(), path+".lock", nil); err != nil {
		t.Fatal(err)
	}
	tmp, err := createTemp(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.WriteString(os.Getenv(envWriterToken)); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Sync(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
	t.Fatal("not killed within a minute")
}

// killWriter runs the interrupted writer for path, kills it with SIGKILL
// once its temporary file is written and returns that file's name.
func killWriter(t *testing.T, path, token string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptedWriterChild$")
	cmd.Env = append(os.Environ(), envWriterPath+"="+path, envWriterToken+"="+token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the writer child said %q; want ready", line)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	_ = cmd.Wait()
	tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPrefix(path)+"*.tmp"))
	for _, p := range tmps {
		if strings.Contains(filepath.Base(p), "."+strconv.Itoa(cmd.Process.Pid)+"-") {
			if !strings.Contains(readFile(t, p), token) {
				t.Fatalf("the killed writer's temporary file %s does not hold the token", p)
			}
			if runtime.GOOS == "windows" {
				// No cheap "is this pid running" there: age alone decides.
				old := time.Now().Add(-2 * staleTempAge)
				if err := os.Chtimes(p, old, old); err != nil {
					t.Fatal(err)
				}
			}
			return p
		}
	}
	t.Fatalf("the killed writer left no temporary file (found %q)", tmps)
	return ""
}

// TestKilledWriterLeavesNoToken: a writer killed with SIGKILL between
// writing its temporary file and renaming it leaves the token in that file;
// the next Set removes it (and gets the lock the dead writer held), and so
// does Delete (logout), even when tokens.toml was never written. A fresh
// temporary file of a running writer is kept; an old one of any kind goes.
func TestKilledWriterLeavesNoToken(t *testing.T) {
	t.Run("next Set", func(t *testing.T) {
		s := newTestFileStore(t, "")
		dead := killWriter(t, s.path, tokN)
		alive, err := createTemp(s.path) // this process: running
		if err != nil {
			t.Fatal(err)
		}
		alive.Close()
		if err := s.Set("https://ppm.example.com", tokA); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the killed writer's temporary file is still there after a Set (%v)", err)
		}
		if _, err := os.Stat(alive.Name()); err != nil && runtime.GOOS != "windows" {
			t.Fatalf("a running writer's fresh temporary file was removed (%v)", err)
		}
	})
	t.Run("logout without a tokens file", func(t *testing.T) {
		s := newTestFileStore(t, "<missing>")
		if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
			t.Fatal(err)
		}
		dead := killWriter(t, s.path, tokN)
		if err := s.Delete("https://ppm.example.com"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Delete = %v; want ErrNotFound", err)
		}
		if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("logout left the killed writer's temporary file (%v)", err)
		}
	})
	t.Run("age", func(t *testing.T) {
		s := newTestFileStore(t, "")
		dir := filepath.Dir(s.path)
		oldStyle := filepath.Join(dir, ".tokens.toml.123456789.tmp") // os.CreateTemp's names, earlier versions
		fresh := filepath.Join(dir, ".tokens.toml.987654321.tmp")
		other := filepath.Join(dir, ".pip.conf.1.tmp") // not ours to judge
		for _, p := range []string{oldStyle, fresh, other} {
			if err := os.WriteFile(p, []byte(tokN), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		old := time.Now().Add(-2 * staleTempAge)
		for _, p := range []string{oldStyle, other} {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		if err := RemoveStaleTemps(s.path); err != nil {
			t.Fatal(err)
		}
		for p, want := range map[string]bool{oldStyle: false, fresh: true, other: true} {
			if _, err := os.Stat(p); (err == nil) != want {
				t.Errorf("%s exists = %v; want %v", filepath.Base(p), err == nil, want)
			}
		}
	})
}
