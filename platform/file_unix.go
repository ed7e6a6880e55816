//go:build !windows

package platform

import (
	"fmt"
	"io/fs"
	"os"
)

func isWindows() bool { return false }

func openForRead(path string) (*os.File, error) { return os.Open(path) }

// checkTokensFileMode refuses a tokens file others can write to and tightens
// one others can read (best effort: only its owner can).
func checkTokensFileMode(f *os.File, fi fs.FileInfo, path string) error {
	perm := fi.Mode().Perm()
	if perm&0o002 != 0 {
		return fmt.Errorf("the tokens file %s can be written by any user (mode %04o), so its tokens cannot be trusted; check it, run `chmod 600 %s` and try again", path, perm, path)
	}
	if perm&0o077 != 0 {
		_ = f.Chmod(0o600)
	}
	return nil
}

// replaceFile renames from over to.
func replaceFile(from, to string) error { return os.Rename(from, to) }

// syncDir flushes a directory entry change (a rename) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
