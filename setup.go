package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/posit-dev/git-credential-ppm/internal/clients"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// runSetup wires every client in clients.Table (or, with --remove, undoes
// what an earlier setup recorded), printing each change.
func runSetup(e *invocation, args []string) int {
	fs := newFlags(e, "setup")
	dry := fs.Bool("dry-run", false, "show the changes without making them")
	remove := fs.Bool("remove", false, "undo what setup did")
	if code := parseFlags(e, fs, args); code >= 0 {
		return code
	}
	if code := extraArguments(e, fs, 0); code >= 0 {
		return code
	}
	list, err := e.addresses()
	if err == nil && len(list) == 0 && !*remove {
		err = errNoAddress
	}
	if err != nil && !*remove {
		e.errorf("setup: %v", err)
		return 1
	}
	s, err := newSetupSession(e, list, *dry)
	if err != nil {
		e.errorf("setup: %v", err)
		return 1
	}
	if *remove {
		err = clients.Remove(s, clients.Table)
	} else {
		err = clients.Setup(s, clients.Table)
	}
	for _, line := range s.Out {
		fmt.Fprintln(e.stdout, line)
	}
	if err != nil {
		e.errorf("setup: %v", err)
		return 1
	}
	return 0
}

// clientEnv is what client wiring sees of this invocation.
func clientEnv(e *invocation, list []protocol.Address) (*clients.Env, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find this program's own path (%w); run it by its full path", err)
	}
	ce, err := clients.NewEnv(e.getenv, self, list)
	if err != nil {
		return nil, err
	}
	ce.Environ = e.environment()
	return ce, nil
}

// newSetupSession reads setup's record, which lives beside tokens.toml.
func newSetupSession(e *invocation, list []protocol.Address, dry bool) (*clients.Session, error) {
	ce, err := clientEnv(e, list)
	if err != nil {
		return nil, err
	}
	tp, err := e.tokensPath()
	if err != nil {
		return nil, err
	}
	return clients.NewSession(ce, filepath.Join(filepath.Dir(tp), "setup.json"), dry)
}
