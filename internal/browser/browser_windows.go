//go:build windows

package browser

import (
	"os/exec"
	"syscall"
)

// detachBrowser starts the browser in a new process group with no console
// window, out of reach of the console's Ctrl-C.
func detachBrowser(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP,
		HideWindow:    true,
	}
}
