//go:build unix

package userconfig

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPrivate refuses a file or directory that belongs to another user
// (root's directories are accepted: root can write anywhere anyway) or
// that another user can write: the file decides where tokens and CI
// identity tokens are sent.
func checkPrivate(fi fs.FileInfo, what, path string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	uid := os.Geteuid()
	if int(st.Uid) != uid && !(fi.IsDir() && st.Uid == 0) {
		return fmt.Errorf("the %s %s belongs to user %d, not to you (user %d), so it cannot be trusted; remove it, or set PACKAGEMANAGER_ADDRESS instead", what, path, st.Uid, uid)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		fix := "chmod 600"
		if fi.IsDir() {
			fix = "chmod 700"
		}
		return fmt.Errorf("the %s %s can be written by other users (mode %04o), so it cannot be trusted; check it and run `%s %s`", what, path, perm, fix, path)
	}
	return nil
}
