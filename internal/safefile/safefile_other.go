//go:build !unix && !windows

package safefile

import (
	"io/fs"
	"os"
)

// openForRead opens the tokens file for reading (Plan 9, WebAssembly: no
// O_NONBLOCK nor O_NOFOLLOW; a link is refused before the open, and the
// caller checks that it is a regular file).
func openForRead(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrSymlink}
	}
	return os.Open(path)
}

// isJunction: there are no junctions here.
func isJunction(string, fs.FileInfo) bool { return false }
