// Command git-credential-ppm hands Posit Package Manager tokens to git (as a
// credential helper), to pip and uv (as the `keyring` command) and to twine
// (through exec), logging in with a device flow or an identity-token
// exchange and keeping the token in the OS credential store.
//
// See README.md for setup and docs/ for the contract.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// Before anything could hold a token: no core file will contain one.
	disableCoreDumps()
	// Ctrl-C handling is set up only where a command may wait (a login, an
	// exchange): installing signal handlers costs about 1.5 ms of process
	// start here, a third of a `get` answered from the store.
	code := dispatch(context.Background(), &invocation{
		args:    os.Args,
		getenv:  os.Getenv,
		environ: os.Environ,
		now:     time.Now,
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
	})
	os.Exit(code)
}

// dispatch runs the invocation and returns its exit status.
func dispatch(ctx context.Context, inv *invocation) int {
	return exitStatus(inv, run(ctx, inv))
}

// run picks the personality from argv: the keyring CLI when invoked as
// `keyring`, otherwise the command table (git's get/store/erase, `keyring`,
// the commands for people).
func run(ctx context.Context, inv *invocation) error {
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(inv.args[0])), ".exe")
	if name == "keyring" {
		if err := checkSettings(inv.getenv); err != nil {
			return err
		}
		return runKeyring(ctx, inv, inv.args[1:])
	}
	if len(inv.args) < 2 {
		fmt.Fprint(inv.stderr, usageText())
		return withStatus(exitUsage)
	}
	c, ok := findCommand(inv.args[1])
	if !ok {
		return runUnknown(inv, inv.args[1])
	}
	if c.config {
		if err := checkSettings(inv.getenv); err != nil {
			return err
		}
	}
	return c.run(ctx, inv, inv.args[2:])
}
