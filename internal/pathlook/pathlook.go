// Package pathlook finds programs in a PATH given as a value — the
// invocation's injected environment — the way a shell would, never in the
// process's own PATH (os/exec.LookPath reads that one).
package pathlook

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Dirs returns the entries of a PATH value, cleaned, empty ones dropped.
func Dirs(path string) []string {
	var out []string
	for _, d := range filepath.SplitList(path) {
		if d != "" {
			out = append(out, filepath.Clean(d))
		}
	}
	return out
}

// In returns dir/name when it is an executable file, or "". On Windows a
// name without an extension is tried with each of PATHEXT's (pathext; its
// default when empty), and any file counts as executable.
func In(dir, name, pathext string) string {
	names := []string{name}
	if runtime.GOOS == "windows" && filepath.Ext(name) == "" {
		if pathext == "" {
			pathext = ".COM;.EXE;.BAT;.CMD"
		}
		names = nil
		for _, ext := range strings.Split(pathext, ";") {
			if ext != "" {
				names = append(names, name+strings.ToLower(ext))
			}
		}
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if executable(p) {
			return p
		}
	}
	return ""
}

// Find returns the program name as getenv's PATH (and PATHEXT) finds it, or
// "". A name with a directory part is not looked up: it is returned when it
// is an executable file.
func Find(getenv func(string) string, name string) string {
	if HasDir(name) {
		if executable(name) {
			return name
		}
		return ""
	}
	for _, d := range Dirs(getenv("PATH")) {
		if p := In(d, name, getenv("PATHEXT")); p != "" {
			return p
		}
	}
	return ""
}

// HasDir reports whether name has a directory part (so that PATH is not
// consulted for it).
func HasDir(name string) bool {
	if runtime.GOOS == "windows" {
		return strings.ContainsAny(name, `/\:`)
	}
	return strings.ContainsRune(name, '/')
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode()&0o111 != 0
}
