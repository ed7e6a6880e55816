//go:build windows

package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffsetHigh places the locked byte far beyond the end of the lock file
// (at 2^62): LockFileEx locks are mandatory for the range they cover, and
// waiters must still be able to read the holder's pid at offset 0.
const lockOffsetHigh = 1 << 30

// tryLock takes an exclusive LockFileEx lock on f without blocking; false
// when another handle holds it.
func tryLock(f *os.File) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
		lerr = windows.LockFileEx(windows.Handle(fd), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	}); err != nil {
		return false, err
	}
	if errors.Is(lerr, windows.ERROR_LOCK_VIOLATION) || errors.Is(lerr, windows.ERROR_IO_PENDING) {
		return false, nil
	}
	return lerr == nil, lerr
}

// unlockFile releases the lock tryLock took (closing f would too).
func unlockFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var uerr error
	if err := rc.Control(func(fd uintptr) {
		ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
		uerr = windows.UnlockFileEx(windows.Handle(fd), 0, 1, 0, &ol)
	}); err != nil {
		return err
	}
	return uerr
}
