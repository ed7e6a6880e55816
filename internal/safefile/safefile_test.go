package safefile

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

// tokN is a token for the files these tests write.
const tokN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJuIn0.sigNEW"

// TestReadOwnFileRefusesSymlink: the warning marker is read without
// following a link.
func TestReadOwnFileRefusesSymlink(t *testing.T) {
	filetest.SkipOnWindows(t, "symlinks (a privilege there)")
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("not for the helper"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".store-warning")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadOwnFile(link, 4096); err == nil || !errors.Is(err, ErrSymlink) {
		t.Fatalf("ReadOwnFile through a link = (%q, %v); want ErrSymlink", b, err)
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
// TestKilledWriterLeavesNoToken as a child process, it does what
// WriteFileAtomic does up to the rename (the temporary file with the
// token, synced), says "ready" and waits to be killed.
func TestInterruptedWriterChild(t *testing.T) {
	path := os.Getenv(envWriterPath)
	if path == "" {
		t.Skip("helper process for TestKilledWriterLeavesNoToken")
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
			if !strings.Contains(filetest.ReadFile(t, p), token) {
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
// RemoveStaleTemps (which the file store runs before each write and on
// logout) removes it. A fresh temporary file of a running writer is kept;
// an old one of any kind goes.
func TestKilledWriterLeavesNoToken(t *testing.T) {
	t.Run("killed writer", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokens.toml")
		dead := killWriter(t, path, tokN)
		alive, err := createTemp(path) // this process: running
		if err != nil {
			t.Fatal(err)
		}
		alive.Close()
		if err := RemoveStaleTemps(path); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the killed writer's temporary file is still there (%v)", err)
		}
		if _, err := os.Stat(alive.Name()); err != nil && runtime.GOOS != "windows" {
			t.Fatalf("a running writer's fresh temporary file was removed (%v)", err)
		}
	})
	t.Run("age", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokens.toml")
		dir := filepath.Dir(path)
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
		if err := RemoveStaleTemps(path); err != nil {
			t.Fatal(err)
		}
		for p, want := range map[string]bool{oldStyle: false, fresh: true, other: true} {
			if _, err := os.Stat(p); (err == nil) != want {
				t.Errorf("%s exists = %v; want %v", filepath.Base(p), err == nil, want)
			}
		}
	})
}
