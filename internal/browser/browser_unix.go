//go:build unix

package browser

import (
	"os/exec"
	"syscall"
)

// detachBrowser puts the browser in its own process group, out of reach of
// the terminal's Ctrl-C.
func detachBrowser(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
