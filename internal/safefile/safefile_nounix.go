//go:build !unix

package safefile

import (
	"io/fs"
	"os"
)

// OpenNoFollow opens path with flag, failing with ErrSymlink when path is a
// symbolic link or a junction. Windows has no O_NOFOLLOW; the check before the open
// leaves a moment in which a link could appear, which the profile's ACL
// (only this user and administrators may write there) makes moot.
func OpenNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && (fi.Mode()&fs.ModeSymlink != 0 || isJunction(path, fi)) {
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrSymlink}
	}
	return os.OpenFile(path, flag, perm)
}

// checkDirInfo does not check ownership or permissions here: Go's mode
// bits do not describe Windows ACLs, and the default path lies in the
// profile, which only its user (and administrators) may write to.
func checkDirInfo(fs.FileInfo, string) error { return nil }

// CheckOwner accepts any owner here: see checkDirInfo.
func CheckOwner(fs.FileInfo, string, string, bool) error { return nil }

// processRunning cannot ask cheaply here: every writer counts as running,
// and RemoveStaleTemps goes by age alone.
func processRunning(int) bool { return true }

// checkPrivateDirInfo: see checkDirInfo.
func checkPrivateDirInfo(fs.FileInfo, string, string) error { return nil }
