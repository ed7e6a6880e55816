package cli

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
// __token__; anything that is not ours goes to the next keyring on PATH
// (keyring_next.go), and with none there it is keyring's "not found"
// (exit 1, no output).
func runKeyring(ctx context.Context, inv *invocation, args []string) error {
	cmd, err := protocol.ParseKeyringArgs(args)
	var ue *protocol.KeyringUsageError
	if errors.As(err, &ue) {
		// keyring's own form: its usage, then the line, unprefixed.
		fmt.Fprint(inv.stderr, protocol.KeyringUsage())
		fmt.Fprintln(inv.stderr, ue.Error())
		return withStatus(exitUsage)
	}
	if err != nil {
		return &usageError{err: err}
	}
	switch {
	case cmd.Help:
		fmt.Fprint(inv.stdout, protocol.KeyringUsage())
		fmt.Fprintln(inv.stdout, "\nThis is git-credential-ppm answering as keyring: `get SERVICE __token__` prints the Package Manager token for a configured address; any other service goes to the next keyring on PATH.")
		return nil
	case cmd.ListBackends, cmd.Op == "diagnose":
		// Ours first, then what the next keyring says.
		keyringListBackends(inv)
		if handed, err := inv.handOff(args); handed {
			return err
		}
		return nil
	case cmd.DisableKR:
		if handed, err := inv.handOff(args); handed {
			return err
		}
		return errors.New("keyring --disable does not apply: this is git-credential-ppm, which has no keyring configuration, and there is no other keyring on PATH")
	}
	addr, ours := keyringAddress(inv, cmd)
	if !ours {
		return keyringNotOurs(inv, cmd, args)
	}
	switch cmd.Op {
	case "get":
		return keyringGet(ctx, inv, cmd, addr)
	case "del":
		return keyringDel(inv, addr)
	case "set":
		// pip pipes the password a person typed; read it so pip does not
		// see a broken pipe, and refuse: tokens come from the login flow.
		_, _ = io.Copy(io.Discard, io.LimitReader(inv.stdin, 1<<20))
		return errors.New(keyringSetRefused)
	}
	return errKeyringNotFound
}

// errKeyringNotFound is keyring's "not found": status 1, no output.
var errKeyringNotFound = errReported

// keyringSetRefused is the line for `keyring set` of a Package Manager
// service; the wheel's backend raises the same words.
const keyringSetRefused = "keyring set is not supported: Package Manager tokens come from `git-credential-ppm login`, not from typed passwords"

// keyringNotOurs answers a call for a service (or user) that is not ours:
// the next keyring on PATH answers it; with none there, get and del are
// keyring's "not found" and set says there is nowhere to keep it.
func keyringNotOurs(inv *invocation, cmd protocol.KeyringCommand, args []string) error {
	if list, err := inv.addresses(); err == nil && len(list) == 0 && !inv.underUs() {
		// pip and uv ask only after a 401: say why we have nothing, even
		// when the next keyring answers.
		inv.errorf("%v", errNoAddress)
	}
	if handed, err := inv.handOff(args); handed {
		return err
	}
	if cmd.Op != "set" {
		return errKeyringNotFound
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(inv.stdin, 1<<20))
	if inv.underUs() {
		return withStatus(exitNotOurs) // our backend: keyring's chainer asks its next backend
	}
	return fmt.Errorf("keyring set: %s is not a Package Manager address and there is no other keyring on PATH to keep its password", cmd.Service)
}

func keyringListBackends(inv *invocation) {
	desc := "no Package Manager address configured (run `git-credential-ppm setup ADDRESS`)"
	if list, err := inv.addresses(); err == nil && len(list) > 0 {
		if m, err := inv.manager(); err == nil {
			desc = m.StoreDescription()
		} else {
			desc = err.Error()
		}
	}
	fmt.Fprintf(inv.stdout, "git_credential_ppm.Keyring (priority: %s) - Posit Package Manager tokens, store: %s\n", keyringPriority, desc)
}

// keyringPriority is the wheel's backend's priority (python/
// git_credential_ppm/__init__.py): just under keyring's chainer (10), as
// microsoft/artifacts-keyring's. The CLI says the same.
const keyringPriority = "9.9"

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
	addr, ok := list.ForService(cmd.Service)
	if !ok {
		inv.tracef("keyring %s %s: not a configured Package Manager address", cmd.Op, cmd.Service)
	}
	return addr, ok
}

func keyringGet(ctx context.Context, inv *invocation, cmd protocol.KeyringCommand, addr protocol.Address) error {
	t, err := inv.token(ctx, addr, tokens.Options{})
	if err != nil {
		return err
	}
	if err := protocol.WriteKeyringAnswer(inv.stdout, cmd, "__token__", t.Value); err != nil {
		return fmt.Errorf("cannot write the answer: %w", err)
	}
	return nil
}

func keyringDel(inv *invocation, addr protocol.Address) error {
	m, err := inv.manager()
	if err != nil {
		return err
	}
	had, err := m.Logout(addr.Raw)
	if err != nil {
		return err
	}
	if !had {
		// keyring's del of a missing password is an error (PasswordDeleteError).
		return fmt.Errorf("no token stored for %s", addr.Raw)
	}
	return nil
}
