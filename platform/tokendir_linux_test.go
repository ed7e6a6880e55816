package platform

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokensFileChmodFailureIsNotSilent: a tokens file others can read
// that cannot be made private (here: on a read-only bind mount, where
// chmod fails with EROFS) is an error saying so, not a token served from a
// file the whole machine reads. Needs mount privileges (root here).
func TestTokensFileChmodFailureIsNotSilent(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "tokens.toml"), []byte(tokenFileWithPlant), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(src, "tokens.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "--bind", src, mnt).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot bind-mount here (needs root with CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", mnt).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot remount read-only here: %v %s", err, out)
	}
	s := NewFileStore(filepath.Join(mnt, "tokens.toml"))
	got, err := s.Get("https://ppm.example.com")
	if err == nil || got != "" || !strings.Contains(err.Error(), "could not be made private") || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), plantedToken) {
		t.Fatalf("Get of a 0644 tokens file whose chmod fails = (%q, %v); want an error saying so, without the token", got, err)
	}
}
