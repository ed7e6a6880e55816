package pathlook

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// program puts an executable file named name in dir and returns its path.
func program(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindUsesTheGivenPATHOnly(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	name := "ppm-pathlook-probe"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	want := program(t, second, name)
	program(t, first, "other-program")
	env := map[string]string{"PATH": first + string(os.PathListSeparator) + second}
	getenv := func(k string) string { return env[k] }
	if got := Find(getenv, name); got != want {
		t.Fatalf("Find(%q) = %q; want %q", name, got, want)
	}
	// The process's own PATH does not have it, and an empty PATH finds nothing.
	if got := Find(os.Getenv, name); got != "" {
		t.Fatalf("Find with the process PATH = %q; want nothing", got)
	}
	if got := Find(func(string) string { return "" }, name); got != "" {
		t.Fatalf("Find with no PATH = %q; want nothing", got)
	}
	// A name with a directory part is not looked up, only checked.
	if got := Find(func(string) string { return "" }, want); got != want {
		t.Fatalf("Find(%q) = %q; want it as given", want, got)
	}
	if got := Find(getenv, filepath.Join(first, name)); got != "" {
		t.Fatalf("Find of a missing path = %q; want nothing", got)
	}
}

func TestFindSkipsDirectoriesAndNonExecutables(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("every file counts as executable on Windows")
	}
	dir, later := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(later, "tool"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	last := t.TempDir()
	want := program(t, last, "tool")
	env := map[string]string{"PATH": dir + ":" + later + "::" + last}
	if got := Find(func(k string) string { return env[k] }, "tool"); got != want {
		t.Fatalf("Find = %q; want %q past a directory and a non-executable file", got, want)
	}
	if got := Dirs(":a//b::c/"); len(got) != 2 || got[0] != "a/b" || got[1] != "c" {
		t.Fatalf("Dirs = %q; want [a/b c]", got)
	}
}

func TestInTriesPATHEXTOnWindows(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Skip("PATHEXT is Windows' (this runs under Wine in .ci/wine-test.sh)")
	}
	dir := t.TempDir()
	want := program(t, dir, "tool.cmd")
	if got := In(dir, "tool", ".EXE;.CMD"); got != want {
		t.Fatalf("In = %q; want %q", got, want)
	}
	if got := In(dir, "tool", ".EXE"); got != "" {
		t.Fatalf("In with PATHEXT .EXE = %q; want nothing", got)
	}
}
