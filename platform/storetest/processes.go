package storetest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/platform"
)

// The "processes" case: the calling test binary re-run as writers.

// Environment variables that turn a re-run test binary into a writer for the
// "processes" case.
const (
	envHelperRun   = "PPM_STORETEST_HELPER_RUN"   // the run id; set only in children
	envHelperAddrs = "PPM_STORETEST_HELPER_ADDRS" // addresses to write, one per line
	helperDone     = "storetest-helper: stored"   // printed by a child that finished
)

// SharedDir returns a temporary directory that the test and the helper
// processes Run starts all see: in the test it is a new t.TempDir, also
// published in the environment variable env (with t.Setenv); in a helper
// process it is read back from env.
func SharedDir(t *testing.T, env string) string {
	t.Helper()
	if os.Getenv(envHelperRun) != "" {
		dir := os.Getenv(env)
		if dir == "" {
			t.Fatalf("storetest: helper process without %s in its environment", env)
		}
		return dir
	}
	dir := t.TempDir()
	t.Setenv(env, dir)
	return dir
}

// processes starts Processes copies of the test binary that each write
// AddressesPerProcess addresses at the same moment, then checks that every
// write is there.
func (s *suite) processes(t *testing.T) {
	st := s.store(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary to re-run: %v", err)
	}
	pattern := runPattern(t.Name())

	var all []string
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *strings.Builder
	}
	children := make([]child, Processes)
	for p := range children {
		addrs := make([]string, AddressesPerProcess)
		for i := range addrs {
			addrs[i] = s.addr("https", fmt.Sprintf("proc%d-%d", p, i), "")
		}
		all = append(all, addrs...)
		cmd := exec.Command(exe, "-test.run="+pattern, "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(),
			envHelperRun+"="+s.run,
			envHelperAddrs+"="+strings.Join(addrs, "\n"),
		)
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatalf("helper process %d: %v", p, err)
		}
		children[p] = child{cmd, stdin, out}
	}
	cleanup(t, st, all...)
	for p, c := range children {
		if err := c.cmd.Start(); err != nil {
			t.Fatalf("starting helper process %d (%s): %v", p, exe, err)
		}
	}
	// The children wait for their stdin to close, so that they all start
	// writing together.
	for _, c := range children {
		_ = c.stdin.Close()
	}
	for p, c := range children {
		err := c.cmd.Wait()
		if err != nil || !strings.Contains(c.out.String(), helperDone) {
			t.Errorf("helper process %d did not store its addresses (%v); its output:\n%s", p, err, c.out)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	missing := 0
	for _, a := range all {
		got, err := st.Get(a)
		if err != nil || got != token(s.run+a) {
			missing++
			t.Errorf("after %d processes wrote at once, Get(%q) = (%s, %v); want its token", Processes, a, describe(got), err)
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d concurrent writes were lost", missing, len(all))
	}
}

// runPattern turns a test name ("TestX/processes") into a -test.run pattern
// that matches the top-level test and each enclosing subtest exactly, up to
// (not including) the suite's own cases: the child calls Run and returns.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	// The last two elements are the suite's "concurrency" group and this case.
	parts = parts[:len(parts)-2]
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// helper is Run in a child process: wait for stdin to close, then store a
// token for each address named in the environment.
func helper(t *testing.T, runID string, open func(t *testing.T) platform.Store) {
	t.Helper()
	st := open(t)
	if c, ok := st.(io.Closer); ok {
		defer c.Close()
	}
	_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	addrs := strings.Split(os.Getenv(envHelperAddrs), "\n")
	for _, a := range addrs {
		if err := st.Set(a, token(runID+a)); err != nil {
			t.Fatalf("helper process %d: Set(%q): %v", os.Getpid(), a, err)
		}
	}
	fmt.Printf("%s %d addresses (pid %d)\n", helperDone, len(addrs), os.Getpid())
}
