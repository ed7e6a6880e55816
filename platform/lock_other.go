//go:build !(darwin || linux || freebsd || openbsd || netbsd || dragonfly || windows)

package platform

import "os"

func tryLock(*os.File) (bool, error) { return false, errLockUnsupported }

func unlockFile(*os.File) error { return errLockUnsupported }
