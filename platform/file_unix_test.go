//go:build unix

package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFileStoreRefusesFIFO: a FIFO in place of tokens.toml is refused at
// once (the open does not wait for a writer), with a line saying to move it.
func TestFileStoreRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.toml")
	if err := mkfifo(path); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := NewFileStore(path).Get("https://ppm.example.com"); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), "move it away") {
			t.Fatalf("Get with a FIFO as tokens.toml = %v; want a refusal saying to move it away", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Get blocked on a FIFO in place of tokens.toml")
	}
}

// TestOpenForReadRegularFileBlocking: the tokens file comes back as a
// blocking descriptor, which os.File reads without registering it with the
// runtime's poller (no epoll on a get); a FIFO stays non-blocking.
func TestOpenForReadRegularFileBlocking(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "tokens.toml")
	if err := os.WriteFile(regular, []byte("x = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	for path, wantNonblock := range map[string]bool{regular: false, fifo: true} {
		f, err := openForRead(path)
		if err != nil {
			t.Fatal(err)
		}
		// Not f.Fd(), which may set the descriptor to blocking itself.
		rc, err := f.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var flags int
		var ferr error
		if err := rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) }); err != nil || ferr != nil {
			t.Fatal(err, ferr)
		}
		f.Close()
		if got := flags&unix.O_NONBLOCK != 0; got != wantNonblock {
			t.Errorf("openForRead(%s): O_NONBLOCK = %v; want %v", filepath.Base(path), got, wantNonblock)
		}
	}
	if _, err := openForRead(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("openForRead of a missing file = %v; want a not-exist error", err)
	}
}
