package tty

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

const envTTYHelper = "PPM_TEST_TTY_HELPER"

// TestTTYHelperProcess is not a test: re-run by the terminal tests, it opens
// the terminal, writes a line to it and reports on stdout.
func TestTTYHelperProcess(t *testing.T) {
	if os.Getenv(envTTYHelper) == "" {
		t.Skip("helper process for the terminal tests")
	}
	tty, err := Open()
	if err != nil {
		fmt.Printf("no terminal: %v (ErrNoTerminal: %v)\n", err, errors.Is(err, ErrNoTerminal))
		os.Exit(0)
	}
	_, err = io.WriteString(tty, "hello from the terminal\r\n")
	fmt.Printf("opened, wrote: %v, closed: %v\n", err, tty.Close())
	os.Exit(0)
}

func ttyHelper(t *testing.T, attr *syscall.SysProcAttr, stdin *os.File) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestTTYHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envTTYHelper+"=1")
	cmd.SysProcAttr = attr
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("terminal helper: %v\n%s", err, out.String())
	}
	return out.String()
}

func TestOpenTerminalWithoutOne(t *testing.T) {
	// A new session has no controlling terminal, like a CI job or a daemon.
	out := ttyHelper(t, &syscall.SysProcAttr{Setsid: true}, nil)
	if !strings.Contains(out, "no terminal: ") || !strings.Contains(out, "ErrNoTerminal: true") {
		t.Fatalf("Open without a controlling terminal: %s; want an error wrapping ErrNoTerminal", out)
	}
}

func TestOpenTerminalWithOne(t *testing.T) {
	master, slave := openPTY(t)
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(master) // ends with EIO once the last slave fd closes
		got <- string(b)
	}()
	out := ttyHelper(t, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}, slave)
	_ = slave.Close()
	if !strings.Contains(out, "opened, wrote: <nil>, closed: <nil>") {
		t.Fatalf("Open with a controlling terminal: %s", out)
	}
	if s := <-got; !strings.Contains(s, "hello from the terminal") {
		t.Fatalf("the terminal received %q; want the line the helper wrote", s)
	}
}

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pty slave: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return m, s
}
