// Command git-credential-ppm hands Posit Package Manager tokens to git (as a
// credential helper), to pip and uv (as the `keyring` command) and to twine
// (through exec), logging in with a device flow or an identity-token
// exchange and keeping the token in the OS credential store.
//
// See README.md for setup and SPEC.md for the contract.
package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// Ctrl-C handling is set up only where a command may wait (a login, an
	// exchange): installing signal handlers costs about 1.5 ms of process
	// start here, a third of a `get` answered from the store.
	code := dispatch(context.Background(), &env{
		args:   os.Args,
		getenv: os.Getenv,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
	})
	os.Exit(code)
}

// dispatch picks the personality from argv: the keyring CLI when invoked as
// `keyring` (or `git-credential-ppm keyring …`), git's helper protocol for
// get/store/erase, otherwise a command for people.
func dispatch(ctx context.Context, e *env) int {
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(e.args[0])), ".exe")
	if name == "keyring" {
		return runKeyring(ctx, e, e.args[1:])
	}
	if len(e.args) < 2 {
		e.usage()
		return 2
	}
	cmd, rest := e.args[1], e.args[2:]
	switch cmd {
	case "get":
		return runGitGet(ctx, e)
	case "store":
		return 0 // tokens come from logins, not from git
	case "erase":
		return runGitErase(e)
	case "keyring":
		return runKeyring(ctx, e, rest)
	case "login":
		return runLogin(ctx, e, rest)
	case "logout":
		return runLogout(e, rest)
	case "status":
		return runStatus(e, rest)
	case "exec":
		return runExec(ctx, e, rest)
	case "setup":
		return runSetup(e, rest)
	case "doctor":
		return runDoctor(ctx, e, rest)
	case "version", "--version":
		return runVersion(e)
	case "help", "--help", "-h":
		return runHelp(e, rest)
	default:
		return runUnknown(e, cmd)
	}
}
