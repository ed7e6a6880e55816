//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// withoutTerminal runs c in a new session: it has no controlling terminal,
// as under git started by an IDE, a CI job or a daemon, so the helper
// cannot open /dev/tty — the real condition, not a test switch.
func withoutTerminal(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
