// Package filelock is the cross-process lock of the token directory: an
// exclusive advisory lock on a file (flock on Unix, LockFileEx on Windows)
// that the operating system releases when its holder dies, with the pid of
// the holder for whoever waits.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

// lockPoll is how often Lock tries again while another process holds
// the lock.
const lockPoll = 25 * time.Millisecond

// lockPIDPolls is how many polls Lock waits for the holder to write its
// pid before it calls onWait with 0 (the holder locks first, then writes).
const lockPIDPolls = 8

// Lock takes an exclusive advisory lock on path (created 0600, parent dir
// 0700), waiting until it is free or ctx is done. A lock file that is a
// symbolic link, not a regular file, or another user's is refused: it is
// truncated when locked, so a planted link would truncate what it points to.
// So is a directory another user owns or can write to (safefile.CheckDir).
//
// While it waits it calls onWait once (if non-nil) with the pid of the
// holder: the holder writes its pid into the lock file after locking; 0 if
// unknown. The returned unlock releases the lock; calling it again does
// nothing. The lock belongs to the open file (flock on Unix, LockFileEx on
// Windows), so the operating system releases it when the process dies and a
// crashed process never wedges the others; two Lock calls in one process
// exclude each other too. The lock file itself is left in place: removing it
// would let two processes lock two different files.
//
// When ctx ends first, the error wraps ctx.Err() and names the lock file and
// the holder's pid.
func Lock(ctx context.Context, path string, onWait func(holderPID int)) (unlock func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("waiting for the lock %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("could not create the directory for the lock file %s: %w", path, err)
	}
	if err := safefile.CheckDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := safefile.OpenNoFollow(path, os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, safefile.ErrSymlink) {
		return nil, safefile.LinkRefusal("lock file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("could not open the lock file %s: %w", path, err)
	}
	if err := safefile.CheckOwnFile(f, "lock file"); err != nil {
		_ = f.Close()
		return nil, err
	}
	var timer *time.Timer
	reported := false
	for polls := 0; ; polls++ {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("could not lock %s: %w", path, err)
		}
		if ok {
			break
		}
		if onWait != nil && !reported {
			if pid := holderPID(f); pid != 0 || polls >= lockPIDPolls {
				reported = true
				onWait(pid)
			}
		}
		if timer == nil {
			timer = time.NewTimer(lockPoll)
			defer timer.Stop()
		} else {
			timer.Reset(lockPoll)
		}
		select {
		case <-ctx.Done():
			pid := holderPID(f)
			_ = f.Close()
			if pid != 0 {
				return nil, fmt.Errorf("waiting for the lock %s, held by process %d: %w", path, pid, ctx.Err())
			}
			return nil, fmt.Errorf("waiting for the lock %s, held by another process: %w", path, ctx.Err())
		case <-timer.C:
		}
	}
	// Tell waiters who holds the lock. Failing to is harmless: they see 0.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return sync.OnceValue(func() error {
		_ = f.Truncate(0)
		uerr := unlockFile(f)
		cerr := f.Close()
		if uerr != nil {
			return fmt.Errorf("could not unlock %s: %w", path, uerr)
		}
		if cerr != nil {
			return fmt.Errorf("could not close the lock file %s: %w", path, cerr)
		}
		return nil
	}), nil
}

// holderPID reads the pid the holder wrote into the lock file; 0 when there
// is none yet (or f is closed).
func holderPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
