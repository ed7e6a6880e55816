//go:build windows

package e2e

import (
	"os/exec"
	"syscall"
)

// detachedProcess is DETACHED_PROCESS: the child gets no console, so
// CONOUT$ cannot be opened.
const detachedProcess = 0x00000008

// withoutTerminal runs c without a console, as under git started by an IDE
// or a service, so the helper cannot reach a terminal — the real condition,
// not a test switch.
func withoutTerminal(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{CreationFlags: detachedProcess}
}
