package tokens

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/filelock"
	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

// maxLoginWait bounds the wait for another process's login when it says
// nothing about its own deadline.
const maxLoginWait = 10 * time.Minute

// identityLoginWait is the deadline a login by identity token announces:
// fetching it and exchanging it, each bounded by the client's 30 s.
const identityLoginWait = 2 * time.Minute

// deadlineGrace is how long past the holder's announced deadline a waiter
// still waits: the holder's last poll and its exchange.
const deadlineGrace = 3 * time.Second

// errGaveUp marks a wait for another process's login that was given up.
var errGaveUp = errors.New("gave up waiting")

// takeLoginLock takes the per-address login lock. While another process
// holds it, it says so once and watches: the store, for the token that
// process is getting (unless force; found is then true and unlock nil),
// and the deadline that process announced (its login code's lifetime). A
// holder that neither finishes nor releases the lock by then — stopped
// with Ctrl-Z or SIGSTOP, say — is given up on with an error saying why,
// and so is any wait longer than 10 minutes.
func (m *Manager) takeLoginLock(ctx context.Context, address string, opt Options, force bool) (unlock func(), t Token, found bool, err error) {
	ctx, stopTimer := context.WithTimeoutCause(ctx, maxLoginWait, fmt.Errorf("%w after %s for the login in progress for %s; if that process is stuck or stopped, end it, then try again", errGaveUp, maxLoginWait, address))
	defer stopTimer()
	lockCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	got := make(chan Token, 1)
	said := false
	release, err := filelock.Lock(lockCtx, m.LockPath(address), func(pid int) {
		if said {
			return
		}
		said = true
		if m.Prompt != nil {
			m.Prompt.Waiting(address, pid)
		}
		go m.watchHolder(lockCtx, address, opt, pid, force, got, stop)
	})
	if err != nil {
		select {
		case t := <-got:
			m.tracef("token for %s from %s, stored by the process that held the lock", address, t.Source)
			return nil, t, true, nil
		default:
		}
		if cause := context.Cause(lockCtx); errors.Is(cause, errGaveUp) {
			return nil, Token{}, false, cause
		}
		return nil, Token{}, false, fmt.Errorf("could not take the login lock for %s: %w", address, err)
	}
	// Holders killed (kill -9) between writing a deadline's temporary
	// file and renaming it left that file; a holder cleans up after them.
	if err := safefile.RemoveStaleTempsIn(m.LockDir, "login-*.until"); err != nil {
		m.tracef("%v", err)
	}
	m.announceDeadline(address, time.Now().Add(maxLoginWait))
	return func() {
		_ = os.Remove(m.deadlinePath(address))
		_ = release()
	}, Token{}, false, nil
}

// watchHolder polls, while another process holds the lock, the store for
// its token (unless force) and the deadline it announced.
func (m *Manager) watchHolder(ctx context.Context, address string, opt Options, pid int, force bool, got chan<- Token, stop context.CancelCauseFunc) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !force {
			if t, ok := m.lookup(address, opt); ok {
				got <- t
				stop(nil)
				return
			}
		}
		if until, ok := m.holderDeadline(address, pid); ok && time.Now().After(until.Add(deadlineGrace)) {
			stop(fmt.Errorf("%w for the login in progress for %s (pid %d): its login code expired at %s and it has not finished; it may be stopped (Ctrl-Z, SIGSTOP) — resume or end it, then try again",
				errGaveUp, address, pid, until.Local().Format("15:04:05")))
			return
		}
	}
}

// deadlinePath is the file beside the lock where its holder says until
// when its login may take.
func (m *Manager) deadlinePath(address string) string {
	return strings.TrimSuffix(m.LockPath(address), ".lock") + ".until"
}

// announceDeadline tells waiting processes until when this process's login
// may take: "<pid> <unix seconds>". Failing to write it only leaves them
// the 10-minute bound.
func (m *Manager) announceDeadline(address string, until time.Time) {
	line := strconv.Itoa(os.Getpid()) + " " + strconv.FormatInt(until.Unix(), 10) + "\n"
	_ = safefile.WriteFileAtomic(m.deadlinePath(address), []byte(line), safefile.WriteOptions{})
}

// holderDeadline reads the deadline the lock holder pid announced; false
// when there is none, or it is another process's (a stale file).
func (m *Manager) holderDeadline(address string, pid int) (time.Time, bool) {
	if pid <= 0 {
		return time.Time{}, false
	}
	b, err := safefile.ReadOwnFile(m.deadlinePath(address), 64)
	if err != nil {
		return time.Time{}, false
	}
	p, u, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok || p != strconv.Itoa(pid) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}
