// Package filetest holds the small checks that tests of files share:
// skipping what Windows does not have, a file's mode, its content, a named
// pipe. Only tests import it.
package filetest

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// SkipOnWindows skips the test on Windows, where what (e.g. "Unix
// permissions", "symlinks (a privilege there)") does not apply.
func SkipOnWindows(t *testing.T, what string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skipf("%s do not apply on Windows", what)
	}
}

// WantMode fails the test unless path has the permission bits want.
func WantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o; want %04o", path, got, want)
	}
}

// ReadFile returns the content of path, or ends the test.
func ReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Mkfifo makes a named pipe at path with mkfifo(1).
func Mkfifo(path string) error {
	return exec.Command("mkfifo", path).Run()
}
