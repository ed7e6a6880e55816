//go:build !unix && !windows

package platform

import "os/exec"

func detachBrowser(*exec.Cmd) {}
