//go:build unix

package userconfig

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadRefusesAFIFOAtOnce: a named pipe in the file's place (nobody
// writing to it) is refused, not waited on.
func TestLoadRefusesAFIFOAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(path); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a named pipe") {
			t.Errorf("Load of a FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load of a FIFO blocked")
	}
}

// TestLoadRefusesAnotherUsersFile: a file (or its directory) of another
// user could send tokens anywhere; root runs this test to make one.
func TestLoadRefusesAnotherUsersFile(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs the tests as root; this one needs root to give a file to another user")
		}
		t.Skip("SKIPPING: only root can give a file to another user (CI runs as root)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	os.WriteFile(path, []byte(`{"addresses": ["https://evil.invalid"]}`), 0o600)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "belongs to user 65534") {
		t.Errorf("Load of another user's file: %v", err)
	}
	os.Chown(path, 0, 0)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	os.Chown(sub, 65534, 65534)
	p2 := filepath.Join(sub, FileName)
	os.WriteFile(p2, []byte(`{}`), 0o600)
	if _, err := Load(p2); err == nil || !strings.Contains(err.Error(), "configuration directory") {
		t.Errorf("Load in another user's directory: %v", err)
	}
}
