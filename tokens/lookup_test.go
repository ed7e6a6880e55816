package tokens

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/filelock"
	"github.com/posit-dev/git-credential-ppm/platform"
)

// TestStatusAgreesWithGet: with a stale token in the OS store and a valid
// one in tokens.toml (a real file store), Get serves tokens.toml and Status
// reports that same token as valid — one lookup rule for both.
func TestStatusAgreesWithGet(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	now := clock.Now()
	const addr = "https://ppm.example.com"
	store := newMem()
	store.m[addr] = jwt(map[string]any{"sub": "old", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})
	shared := platform.NewFileStore(filepath.Join(t.TempDir(), "tokens.toml"))
	valid := jwt(map[string]any{"sub": "pak-user", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if err := shared.Set(addr, valid); err != nil {
		t.Fatal(err)
	}
	var lines []string
	m := &Manager{Store: store, Shared: shared, Now: clock.Now, LockDir: t.TempDir(),
		Trace: func(f string, a ...any) { lines = append(lines, strings.TrimSpace(fmt.Sprintf(f, a...))) }}
	got, err := m.Get(context.Background(), addr, Options{})
	if err != nil || got.Value != valid || got.Source != FromShared {
		t.Fatalf("Get: %v, source %s; want the valid tokens.toml token", err, got.Source)
	}
	st, fresh, err := m.Status(addr)
	if err != nil || !fresh || st.Value != valid || st.Source != FromShared || st.Subject != "pak-user" {
		t.Fatalf("Status: fresh %v, source %s, subject %q, err %v; want the token Get serves, valid", fresh, st.Source, st.Subject, err)
	}
	// Once tokens.toml's token is stale too, Status shows the first stale
	// one (the store's) as not valid, and Get's trace line says why.
	clock.Add(2 * time.Hour)
	st, fresh, _ = m.Status(addr)
	if fresh || st.Subject != "old" {
		t.Errorf("both stale: Status fresh %v subject %q; want the store's stale token, not valid", fresh, st.Subject)
	}
	lines = nil
	if _, ok := m.Cached(addr, Options{}); ok {
		t.Fatalf("Cached served a stale token")
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "none usable") || !strings.Contains(lines[0], "expired 3h0m0s ago") || !strings.Contains(lines[0], "tokens.toml") {
		t.Errorf("trace %q; want one decision line saying both tokens expired", lines)
	}
}

// TestInvalidExpiryIsExpired: a JWT whose exp is not a valid time is never
// served as "never expires".
func TestInvalidExpiryIsExpired(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, exp := range []any{"soon", true, -1, 1e300} {
		tok := New(jwt(map[string]any{"sub": "s", "exp": exp}), FromStore)
		if Fresh(tok, now, 0) || !tok.InvalidExpiry || tok.Subject != "s" {
			t.Errorf("exp %v: fresh %v, invalid %v, subject %q; want expired, flagged, subject kept", exp, Fresh(tok, now, 0), tok.InvalidExpiry, tok.Subject)
		}
	}
	if tok := New(jwt(map[string]any{"sub": "s"}), FromStore); !Fresh(tok, now, 0) || tok.InvalidExpiry {
		t.Errorf("a JWT without exp is valid until rejected")
	}
}

// TestWaitEndsAtTheHoldersDeadline: another holder of the login lock (here
// this process, through a second filelock.Lock) announced a deadline that has
// passed; the waiter gives up at once, saying why. A deadline left by
// another process (a stale file) is not believed: that waiter takes the
// lock once it is free.
func TestWaitEndsAtTheHoldersDeadline(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	var calls atomic.Int32
	addr := exchangeServer(t, clock.Now, time.Hour, &calls).URL
	m := newManager(t, clock, newMem())
	unlock, err := filelock.Lock(context.Background(), m.LockPath(addr), nil)
	if err != nil {
		t.Fatal(err)
	}
	m.announceDeadline(addr, time.Now().Add(-time.Minute))
	_, err = m.Get(context.Background(), addr, Options{})
	if !errors.Is(err, errGaveUp) || !strings.Contains(err.Error(), "it may be stopped") {
		t.Fatalf("err = %v; want a wait given up because the holder's deadline passed", err)
	}

	// A stale deadline of another pid.
	if err := os.WriteFile(m.deadlinePath(addr), []byte("1 1000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		unlock()
	}()
	if got, err := m.Get(context.Background(), addr, Options{}); err != nil || got.Source != FromIdentity || calls.Load() != 1 {
		t.Fatalf("after a stale deadline: %v, source %s, exchanges %d; want the lock taken once free and one exchange", err, got.Source, calls.Load())
	}
}
