package safefile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

func TestWritePrivateFile(t *testing.T) {
	t.Run("new and replaced files are 0600", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "netrc")
		if err := WritePrivateFile(p, "netrc file", []byte("one\n")); err != nil {
			t.Fatal(err)
		}
		if filetest.ReadFile(t, p) != "one\n" {
			t.Fatal("content not written")
		}
		if isWindows() {
			return
		}
		filetest.WantMode(t, p, 0o600)
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WritePrivateFile(p, "netrc file", []byte("two\n")); err != nil {
			t.Fatal(err)
		}
		filetest.WantMode(t, p, 0o600) // the old 0644 is not kept
		if filetest.ReadFile(t, p) != "two\n" {
			t.Fatal("content not replaced")
		}
	})
	t.Run("the same content is not written again", func(t *testing.T) {
		filetest.SkipOnWindows(t, "inodes")
		p := filepath.Join(t.TempDir(), "netrc")
		if err := WritePrivateFile(p, "netrc file", []byte("one\n")); err != nil {
			t.Fatal(err)
		}
		before, _ := os.Stat(p)
		if err := WritePrivateFile(p, "netrc file", []byte("one\n")); err != nil {
			t.Fatal(err)
		}
		same, _ := os.Stat(p)
		if !os.SameFile(before, same) {
			t.Error("an identical write replaced the file")
		}
		if err := WritePrivateFile(p, "netrc file", []byte("two\n")); err != nil {
			t.Fatal(err)
		}
		changed, _ := os.Stat(p)
		if os.SameFile(before, changed) || filetest.ReadFile(t, p) != "two\n" {
			t.Error("a changed write did not replace the file")
		}
	})
	t.Run("a symbolic link is refused and its target left alone", func(t *testing.T) {
		filetest.SkipOnWindows(t, "symlinks (a privilege there)")
		dir := t.TempDir()
		target := filepath.Join(dir, "target")
		os.WriteFile(target, []byte("mine\n"), 0o600)
		link := filepath.Join(dir, "netrc")
		if err := os.Symlink(target, link); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		err := WritePrivateFile(link, "netrc file", []byte("secret\n"))
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("through a link: %v", err)
		}
		if filetest.ReadFile(t, target) != "mine\n" {
			t.Fatal("the link's target changed")
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatal("the link was replaced")
		}
	})
	t.Run("a directory, a FIFO and a terminal are refused", func(t *testing.T) {
		dir := t.TempDir()
		cases := map[string]string{dir: "a directory"}
		if !isWindows() {
			fifo := filepath.Join(dir, "fifo")
			if err := filetest.Mkfifo(fifo); err != nil {
				t.Fatal(err)
			}
			cases[fifo] = "a named pipe"
			if _, err := os.Stat("/dev/tty"); err == nil {
				cases["/dev/tty"] = "a character device"
			}
		}
		for p, kind := range cases {
			if err := WritePrivateFile(p, "netrc file", []byte("secret\n")); err == nil || !strings.Contains(err.Error(), kind) {
				t.Errorf("%s: %v; want a refusal naming %s", p, err, kind)
			}
		}
	})
	t.Run("a directory others can write is refused", func(t *testing.T) {
		filetest.SkipOnWindows(t, "Unix permissions")
		for _, mode := range []os.FileMode{0o777, 0o770, os.ModeSticky | 0o777} {
			dir := t.TempDir()
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "netrc")
			err := WritePrivateFile(p, "netrc file", []byte("secret\n"))
			if err == nil || !strings.Contains(err.Error(), "mktemp -d") || strings.Contains(err.Error(), "secret") {
				t.Errorf("in a %v directory: %v; want a refusal", mode, err)
			}
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("in a %v directory the file was written anyway", mode)
			}
		}
	})
	t.Run("a missing directory is an error", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "no", "netrc")
		if err := WritePrivateFile(p, "netrc file", []byte("x")); err == nil || !strings.Contains(err.Error(), "create the directory") {
			t.Fatalf("missing directory: %v", err)
		}
	})
}
