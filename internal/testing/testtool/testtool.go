// Package testtool finds the outside programs that tests drive for real
// (git, pip, twine, zbarimg …), with the project's one rule for a missing
// one: a test skips loudly on a developer's machine and fails under
// CI=true, where .ci/run installs every tool. Only tests import it.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the program name found on PATH, or ends the
// test: Fatal under CI=true, a loud Skip elsewhere.
func Need(t testing.TB, name string) string {
	t.Helper()
	return NeedFrom(t, name, "")
}

// NeedFrom is Need for a program whose Debian package has another name
// (zbarimg comes with zbar-tools); the message names the package.
func NeedFrom(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	what, from := name, ""
	if debianPackage != "" {
		what = debianPackage
		from = " (Debian's " + debianPackage + ")"
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run must install %s", name, what)
		return ""
	}
	t.Skipf("SKIPPING: %s%s is not installed on this machine (CI installs it)", name, from)
	return ""
}
