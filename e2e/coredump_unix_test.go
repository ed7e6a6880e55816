//go:build unix

package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestNoCoreDumps: started with core dumps allowed, the helper lowers
// RLIMIT_CORE to 0 before it holds a token; exec's child inherits it, so
// `ulimit -c` in the child says 0.
func TestNoCoreDumps(t *testing.T) {
	t.Parallel()
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	script := `ulimit -c unlimited 2>/dev/null || ulimit -c 4096 2>/dev/null; echo "before: $(ulimit -c)"; exec "$0" exec -- "$1" -c 'echo "child: $(ulimit -c)"'`
	r := w.runCmd(exec.Command(sh, "-c", script, helperBin, sh), "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "before: 0\n") {
		t.Skipf("SKIPPING: the hard core limit here is 0, so the test cannot show the helper lowers it: %q", r.stdout)
	}
	if !strings.Contains(r.stdout, "child: 0\n") {
		t.Errorf("the helper's child may dump core: %q", r.stdout)
	}
}
