//go:build !windows

package safefile

import "os"

func isWindows() bool { return false }

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
