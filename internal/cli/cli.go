// Package cli is git-credential-ppm's command line: argv, environment,
// clock and stdio in; an exit status out. One file per command (cmd_*.go),
// the command table (commands.go), the environment's settings
// (settings.go), the wiring of stores, HTTP and prompts (compose.go) and
// the one mapping of errors to exit statuses (exit.go).
package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Build is what the release build stamps into the binary (main's
// variables); empty fields are read from Go's build information.
type Build struct {
	Version, Commit, Date string
}

// Main runs the program with the process's argv, environment and stdio
// and returns its exit status.
func Main(b Build) int {
	// Before anything could hold a token: no core file will contain one.
	disableCoreDumps()
	// Ctrl-C handling is set up only where a command may wait (a login, an
	// exchange): installing signal handlers costs about 1.5 ms of process
	// start here, a third of a `get` answered from the store.
	return dispatch(context.Background(), &invocation{
		args:    os.Args,
		getenv:  os.Getenv,
		environ: os.Environ,
		now:     time.Now,
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		build:   b,
	})
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
