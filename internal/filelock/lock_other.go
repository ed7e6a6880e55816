//go:build !(darwin || linux || freebsd || openbsd || netbsd || dragonfly || windows)

package filelock

import (
	"errors"
	"os"
)

// errLockUnsupported is returned by tryLock on operating systems without
// flock or LockFileEx.
var errLockUnsupported = errors.New("file locks are not supported on this operating system")

func tryLock(*os.File) (bool, error) { return false, errLockUnsupported }

func unlockFile(*os.File) error { return errLockUnsupported }
