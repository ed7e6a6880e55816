package tokens

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestStaleDeadlineTempsAreRemoved: a login-lock holder killed with kill -9
// between writing its deadline's temporary file and renaming it leaves
// ".login-<hash>.until.<pid>-<random>.tmp" in the token directory. The
// next holder removes those of writers that no longer run (or older than a
// minute), for any address, and keeps a running writer's and other files.
func TestStaleDeadlineTempsAreRemoved(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var calls atomic.Int32
	srv := exchangeServer(t, clock.Now, time.Hour, &calls)
	m := newManager(t, clock, newMem())
	dead := deadPID(t)
	name := func(address string, pid int) string {
		return filepath.Join(m.LockDir, "."+filepath.Base(m.deadlinePath(address))+"."+strconv.Itoa(pid)+"-0a1b2c.tmp")
	}
	stale := []string{name(srv.URL, dead), name("https://gone.example.com", dead)}
	kept := []string{name("https://other.example.com", os.Getpid()), filepath.Join(m.LockDir, ".pip.conf."+strconv.Itoa(dead)+"-0a1b2c.tmp")}
	for _, p := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(p, []byte(strconv.Itoa(dead)+" 1800000600\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS == "windows" {
		// No cheap "is this pid running" there: age alone decides.
		old := time.Now().Add(-2 * time.Minute)
		for _, p := range stale {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := m.Get(context.Background(), srv.URL, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was left (%v)", filepath.Base(p), err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed (%v)", filepath.Base(p), err)
		}
	}
	entries, _ := os.ReadDir(m.LockDir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".login-") && !strings.Contains(e.Name(), "."+strconv.Itoa(os.Getpid())+"-") {
			t.Errorf("left in the token directory: %s", e.Name())
		}
	}
}

// deadPID is the pid of a process that ran and was reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}
