//go:build linux

package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestUnknownCommandOnATerminal: git's rule (unknown action: silence, 0)
// holds when stdin is not a terminal (TestExitStatusTable); a person who
// typed a wrong command on a terminal (script(1) gives it one) gets a hint
// and a usage error.
func TestUnknownCommandOnATerminal(t *testing.T) {
	script := testtool.Need(t, "script")
	w := newWorld(t, fakeppm.Options{})
	r := w.runCmd(exec.Command(script, "-q", "-e", "-c", helperBin+" frobnicate", "/dev/null"), "")
	if r.code != exitUsage || !strings.Contains(r.stdout, `unknown command "frobnicate"`) || !strings.Contains(r.stdout, "git-credential-ppm help") {
		t.Errorf("unknown command on a terminal: exit %d, terminal %q; want 2 and a hint naming `git-credential-ppm help`", r.code, r.stdout)
	}
}
