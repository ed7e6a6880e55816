package cli

import (
	"os"
	"os/exec"
	"path/filepath"

	"github.com/posit-dev/git-credential-ppm/internal/clients"
	"github.com/posit-dev/git-credential-ppm/internal/pathlook"
)

// The `keyring` link never hides the person's own Python keyring
// (docs/contract.md §6): what is not ours — a service that is not a configured
// address, another user, a password to keep, --disable — goes to the next
// `keyring` on PATH after this program, with the same argv and stdio, and
// its exit status is ours.

// underUsEnv marks a process started by git-credential-ppm: our wheel's
// Python backend sets it for the binary it runs, and the binary sets it
// for the keyring it hands a call to. A Python keyring that sees it leaves
// our backend out, and this program, seeing it, hands nothing on — so a
// call can never come back to itself, whatever wrappers stand on PATH.
const underUsEnv = "PPM_KEYRING_BACKEND_CHILD"

// exitNotOurs is what `keyring set` exits with, under underUsEnv, for a
// service that is not ours: our wheel's backend then raises keyring's
// NotImplementedError, and keyring's chainer asks its next backend (exit 1
// would mean "ours, and refused").
const exitNotOurs = 3

// underUs reports whether this process was started by git-credential-ppm
// (our backend, or a keyring we handed a call to).
func (inv *invocation) underUs() bool { return inv.getenv(underUsEnv) != "" }

// nextKeyring returns the `keyring` on the invocation's PATH after the
// first that is this program (links, hard links and copies of it skipped,
// compared by the file they resolve to), or the first that is not this
// program when none is; "" when there is none, or when this process runs
// under us. A keyring found only through a relative PATH entry is not
// run: the current directory must not supply a program that gets a typed
// password.
func (inv *invocation) nextKeyring() string {
	if inv.underUs() {
		return ""
	}
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	var found []string
	for _, d := range pathlook.Dirs(inv.getenv("PATH")) {
		if !filepath.IsAbs(d) {
			continue
		}
		if p := pathlook.In(d, "keyring", inv.getenv("PATHEXT")); p != "" {
			found = append(found, p)
		}
	}
	start := 0
	for i, p := range found {
		if clients.IsOurs(p, self) {
			start = i + 1
			break
		}
	}
	for _, p := range found[start:] {
		if !clients.IsOurs(p, self) {
			return p
		}
	}
	return ""
}

// handOff runs the next keyring with args (the words after argv0), this
// invocation's stdio and environment plus underUsEnv; its exit status
// becomes ours (err). handed is false when there is no next keyring.
func (inv *invocation) handOff(args []string) (handed bool, err error) {
	next := inv.nextKeyring()
	if next == "" {
		return false, nil
	}
	inv.tracef("keyring: handing %q to the next keyring on PATH, %s", args, next)
	cmd := exec.Command(next, args...)
	cmd.Env = append(inv.environment(), underUsEnv+"=1")
	return true, runChild(inv, cmd, "keyring: ")
}
