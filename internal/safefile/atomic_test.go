package safefile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

func TestWriteFileAtomic(t *testing.T) {
	t.Run("new file is 0600 by default", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "f")
		if err := WriteFileAtomic(p, []byte("one"), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if filetest.ReadFile(t, p) != "one" {
			t.Fatal("content not written")
		}
		if !isWindows() {
			filetest.WantMode(t, p, 0o600)
		}
	})
	t.Run("KeepMode keeps the old mode, Perm sets a new one", func(t *testing.T) {
		filetest.SkipOnWindows(t, "Unix permissions")
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, []byte("old"), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(p, []byte("new"), WriteOptions{KeepMode: true}); err != nil {
			t.Fatal(err)
		}
		filetest.WantMode(t, p, 0o640)
		if err := WriteFileAtomic(p, []byte("newer"), WriteOptions{Perm: 0o644}); err != nil {
			t.Fatal(err)
		}
		filetest.WantMode(t, p, 0o644)
	})
	t.Run("no temporary file is left", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "f")
		for _, s := range []string{"a", "b"} {
			if err := WriteFileAtomic(p, []byte(s), WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("the directory holds %d entries; want only the file", len(entries))
		}
	})
	t.Run("a missing directory is an error naming the file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "no", "such", "f")
		if err := WriteFileAtomic(p, []byte("x"), WriteOptions{}); err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("WriteFileAtomic into a missing directory = %v", err)
		}
	})
}

// TestWriteFileAtomicSymlinks: ThroughSymlink writes the file a link points
// to (a dotfile manager's pip.conf stays a link, a dangling one gets its
// target created); without it the link itself is replaced and its target
// left alone.
func TestWriteFileAtomicSymlinks(t *testing.T) {
	filetest.SkipOnWindows(t, "symlinks (a privilege there)")
	setup := func(t *testing.T, targetExists bool) (link, target string) {
		dir := t.TempDir()
		target = filepath.Join(dir, "dotfiles", "pip.conf")
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			t.Fatal(err)
		}
		if targetExists {
			if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		link = filepath.Join(dir, "pip.conf")
		if err := os.Symlink("dotfiles/pip.conf", link); err != nil { // relative, as stow makes them
			t.Fatal(err)
		}
		return link, target
	}
	isLink := func(p string) bool {
		fi, err := os.Lstat(p)
		return err == nil && fi.Mode()&os.ModeSymlink != 0
	}
	t.Run("through", func(t *testing.T) {
		link, target := setup(t, true)
		if err := WriteFileAtomic(link, []byte("new"), WriteOptions{KeepMode: true, ThroughSymlink: true}); err != nil {
			t.Fatal(err)
		}
		if !isLink(link) || filetest.ReadFile(t, target) != "new" {
			t.Fatalf("link kept = %v, target = %q; want the link kept and the target written", isLink(link), filetest.ReadFile(t, target))
		}
		filetest.WantMode(t, target, 0o644)
	})
	t.Run("through a dangling link", func(t *testing.T) {
		link, target := setup(t, false)
		if err := WriteFileAtomic(link, []byte("new"), WriteOptions{ThroughSymlink: true}); err != nil {
			t.Fatal(err)
		}
		if !isLink(link) || filetest.ReadFile(t, target) != "new" {
			t.Fatal("a dangling link's target was not created")
		}
	})
	t.Run("replacing the link", func(t *testing.T) {
		link, target := setup(t, true)
		if err := WriteFileAtomic(link, []byte("new"), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if isLink(link) || filetest.ReadFile(t, link) != "new" || filetest.ReadFile(t, target) != "old" {
			t.Fatal("without ThroughSymlink the link must become a regular file and its target stay as it was")
		}
	})
	t.Run("a loop", func(t *testing.T) {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		_ = os.Symlink(b, a)
		_ = os.Symlink(a, b)
		if err := WriteFileAtomic(a, []byte("x"), WriteOptions{ThroughSymlink: true}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("WriteFileAtomic through a loop = %v; want an error", err)
		}
	})
}
