package tokens

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/platform"
)

// A writer of tokens.toml killed half-way leaves a temporary file holding a
// token. With an OS store in use, logout must still remove it.
func TestLogoutWithAnOSStoreRemovesInterruptedWritesOfTokensFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tokens.toml")
	// A pid that no longer runs: a child that has exited and been reaped.
	child := exec.Command(os.Args[0], "-test.run=^$")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".tokens.toml."+strconv.Itoa(child.Process.Pid)+"-0123456789ab.tmp")
	if err := os.WriteFile(stale, []byte("token = \"half-written-secret\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Old too, for Windows, where only the age tells a stale file.
	old := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	osStore := newMem()
	osStore.m["https://ppm.example.com"] = "stored"
	m := &Manager{Store: osStore, Shared: platform.NewFileStore(path)}

	had, err := m.Logout("https://ppm.example.com")
	if err != nil || !had {
		t.Fatalf("Logout = %v, %v; want true, nil", had, err)
	}
	if _, err := os.Lstat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the interrupted write %s is still there after logout (err %v)", stale, err)
	}
	if _, ok := osStore.m["https://ppm.example.com"]; ok {
		t.Fatal("the OS store still holds the token")
	}
	// Nothing stored any more: not an error, and reported as such.
	if had, err := m.Logout("https://ppm.example.com"); err != nil || had {
		t.Fatalf("second Logout = %v, %v; want false, nil", had, err)
	}
}
