//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// OpenNoFollow opens path with flag, failing with ErrSymlink when path is a
// symbolic link (O_NOFOLLOW: the kernel refuses to open through it);
// O_NONBLOCK keeps a FIFO in its place from blocking the open.
func OpenNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, noFollowError(path, err)
	}
	return f, nil
}

// noFollowError is the error of an O_NOFOLLOW open of path that failed:
// ErrSymlink when path is a link (Linux answers ELOOP, FreeBSD EMLINK,
// NetBSD EFTYPE: ask the file), else err as a *fs.PathError.
func noFollowError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		err = ErrSymlink
	}
	return &fs.PathError{Op: "open", Path: path, Err: err}
}

// openForRead opens the tokens file for reading, never through a symbolic
// link (O_NOFOLLOW: a link there fails with ErrSymlink, its target
// untouched); O_NONBLOCK keeps a FIFO planted there from blocking the
// open, and the caller checks that what it opened is a regular file. A regular file (which never blocks) is
// set back to blocking before os.NewFile sees it: os.File registers a
// non-blocking descriptor with the runtime's poller, which would start
// epoll and a wake-up of the poller thread for one read on every get.
func openForRead(path string) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, noFollowError(path, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		// F_SETFL changes only the status flags; O_NONBLOCK is the one set.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, 0); err != nil {
			syscall.Close(fd)
			return nil, &fs.PathError{Op: "fcntl", Path: path, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// CheckOwner refuses a file or directory that belongs to another user:
// fi describes path, what names it in the refusal ("tokens file"), and
// rootOK accepts root as the owner too (for directories: root can write
// anywhere anyway). It accepts any owner on Windows (see checkDirInfo).
func CheckOwner(fi fs.FileInfo, what, path string, rootOK bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	uid := os.Geteuid()
	if int(st.Uid) == uid || rootOK && st.Uid == 0 {
		return nil
	}
	return Refused("the %s %s belongs to user %d, not to you (user %d), so it cannot be trusted; remove it, or set PACKAGEMANAGER_SSO_TOKEN_FILE to a path of your own", what, path, st.Uid, uid)
}

// checkDirInfo refuses a token directory another user owns or can
// write to: they could plant a tokens.toml, a lock file or a link there.
func checkDirInfo(fi fs.FileInfo, dir string) error {
	if err := CheckOwner(fi, "token directory", dir, true); err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return Refused("the token directory %s can be written by other users (mode %04o), so its files cannot be trusted; check it and run `chmod 700 %s`", dir, perm, dir)
	}
	return nil
}

// processRunning reports whether a process with this pid exists (one of
// another user counts).
func processRunning(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// checkPrivateDirInfo refuses a directory for a file holding a secret
// (WritePrivateFile) that another user owns or can write to.
func checkPrivateDirInfo(fi fs.FileInfo, dir, what string) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() && st.Uid != 0 {
		return fmt.Errorf("the directory %s belongs to user %d, not to you, who could swap the %s for a file or link of theirs; write it into a directory of your own, e.g. one made by `mktemp -d`", dir, st.Uid, what)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("the directory %s can be written by other users (mode %04o), who could swap the %s for a file or link of theirs; write it into a directory only you can write to, e.g. one made by `mktemp -d`", dir, perm, what)
	}
	return nil
}
