package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// runKeyring behaves as the Python keyring CLI for pip, uv and pdm (docs/contract.md §6):
// `get SERVICE USER` answers the token for a configured address and user
// __token__; anything else is keyring's "not found" (exit 1, no output).
func runKeyring(ctx context.Context, inv *invocation, args []string) int {
	cmd, err := protocol.ParseKeyringArgs(args)
	var ue *protocol.KeyringUsageError
	if errors.As(err, &ue) {
		fmt.Fprint(inv.stderr, protocol.KeyringUsage())
		fmt.Fprintln(inv.stderr, ue.Error())
		return 2
	}
	if err != nil {
		inv.errorf("%v", err)
		return 2
	}
	switch {
	case cmd.Help:
		fmt.Fprint(inv.stdout, protocol.KeyringUsage())
		fmt.Fprintln(inv.stdout, "\nThis is git-credential-ppm answering as keyring: `get SERVICE __token__` prints the Package Manager token for a configured PACKAGEMANAGER_ADDRESS.")
		return 0
	case cmd.ListBackends:
		return keyringListBackends(inv)
	case cmd.DisableKR:
		inv.errorf("keyring --disable does not apply: this is git-credential-ppm, which has no keyring configuration")
		return 1
	}
	switch cmd.Op {
	case "get":
		return keyringGet(ctx, inv, cmd)
	case "del":
		return keyringDel(inv, cmd)
	case "set":
		// pip pipes the password a person typed; read it so pip does not
		// see a broken pipe, and refuse: tokens come from the login flow.
		_, _ = io.Copy(io.Discard, io.LimitReader(inv.stdin, 1<<20))
		inv.errorf("keyring set is not supported: Package Manager tokens come from `git-credential-ppm login`, not from typed passwords")
		return 1
	case "diagnose":
		return keyringListBackends(inv)
	}
	return 1
}

func keyringListBackends(inv *invocation) int {
	desc := "not configured (PACKAGEMANAGER_ADDRESS unset)"
	if list, err := inv.addresses(); err == nil && len(list) > 0 {
		if m, err := inv.manager(); err == nil {
			desc = m.StoreDescription()
		} else {
			desc = err.Error()
		}
	}
	fmt.Fprintf(inv.stdout, "git_credential_ppm.Keyring (priority: 10) - Posit Package Manager tokens, store: %s\n", desc)
	return 0
}

// keyringAddress finds the configured address a service belongs to, for
// user __token__ (or no user, in creds mode).
func keyringAddress(inv *invocation, cmd protocol.KeyringCommand) (protocol.Address, bool) {
	if cmd.HasUsername && cmd.Username != "__token__" {
		inv.tracef("keyring %s %s: user %q is not __token__", cmd.Op, cmd.Service, cmd.Username)
		return protocol.Address{}, false
	}
	list, err := inv.addresses()
	if err != nil {
		inv.errorf("%v", err)
		return protocol.Address{}, false
	}
	if len(list) == 0 {
		// pip and uv ask only after a 401: say why nothing comes back.
		inv.errorf("%v", errNoAddress)
		return protocol.Address{}, false
	}
	addr, ok := matchService(list, cmd.Service)
	if !ok {
		inv.tracef("keyring %s %s: not a configured Package Manager address", cmd.Op, cmd.Service)
	}
	return addr, ok
}

func keyringGet(ctx context.Context, inv *invocation, cmd protocol.KeyringCommand) int {
	if cmd.Mode == "password" && !cmd.HasUsername {
		return 1
	}
	addr, ok := keyringAddress(inv, cmd)
	if !ok {
		return 1
	}
	t, ok := inv.token(ctx, addr, tokens.Options{})
	if !ok {
		return 1
	}
	if err := protocol.WriteKeyringAnswer(inv.stdout, cmd, "__token__", t.Value); err != nil {
		inv.errorf("cannot write the answer: %v", err)
		return 1
	}
	return 0
}

func keyringDel(inv *invocation, cmd protocol.KeyringCommand) int {
	addr, ok := keyringAddress(inv, cmd)
	if !ok {
		return 1
	}
	m, err := inv.manager()
	if err != nil {
		inv.errorf("%v", err)
		return 1
	}
	had, err := m.Logout(addr.Raw)
	if err != nil {
		inv.errorf("%v", err)
		return 1
	}
	if !had {
		// keyring's del of a missing password is an error (PasswordDeleteError).
		inv.errorf("no token stored for %s", addr.Raw)
		return 1
	}
	return 0
}
