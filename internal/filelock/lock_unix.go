//go:build darwin || linux || freebsd || openbsd || netbsd || dragonfly

package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes flock(LOCK_EX) on f without blocking; false when another
// open file holds it.
func tryLock(f *os.File) (bool, error) {
	return flock(f, unix.LOCK_EX|unix.LOCK_NB)
}

// unlockFile releases the flock on f (closing f would too).
func unlockFile(f *os.File) error {
	_, err := flock(f, unix.LOCK_UN)
	return err
}

func flock(f *os.File, how int) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = unix.Flock(int(fd), how)
			if !errors.Is(ferr, unix.EINTR) {
				return
			}
		}
	}); err != nil {
		return false, err
	}
	if errors.Is(ferr, unix.EWOULDBLOCK) {
		return false, nil
	}
	return ferr == nil, ferr
}
