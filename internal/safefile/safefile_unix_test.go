//go:build unix

package safefile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
	"golang.org/x/sys/unix"
)

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
	if err := filetest.Mkfifo(fifo); err != nil {
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
