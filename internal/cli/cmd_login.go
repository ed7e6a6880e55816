package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// selectAddresses returns the configured addresses, or the one named on the
// command line, which must be one of them — except for login when
// PACKAGEMANAGER_ADDRESS is not set: there a new ADDRESS is logged in to
// and, once that worked, remembered (fresh is that address).
func selectAddresses(inv *invocation, name string, args []string) (list protocol.Addresses, fresh *protocol.Address, err error) {
	if len(args) == 0 {
		list, err := inv.configured()
		return list, nil, err
	}
	a, err := inv.configuredAddress(args[0])
	if err == nil {
		return protocol.Addresses{a}, nil, nil
	}
	want, perr := protocol.ParseAddress(args[0])
	_, lerr := inv.addresses()
	if name != "login" || perr != nil || lerr != nil || inv.addressOrigin() == envAddress {
		return nil, nil, err
	}
	if id := tokens.IdentityFromEnv(inv.getenv, nil); id != nil {
		// An identity token goes only to an address configured beforehand
		// (docs/contract.md §8); a device flow sends nothing of the person's.
		why := want.Raw + " is not one of the configured addresses"
		if errors.Is(err, errNoAddress) {
			why = "no Package Manager address is configured"
		}
		return nil, nil, &refusal{fmt.Sprintf("%s, and the identity token (%s) goes only to configured addresses; run `git-credential-ppm setup %s` first, or set PACKAGEMANAGER_ADDRESS", why, id.Describe(), want.Raw), err}
	}
	return protocol.Addresses{want}, &want, nil
}

// refusal is an error with a message of its own that keeps its cause for
// errors.Is (the exit status depends on it).
type refusal struct {
	msg   string
	cause error
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.cause }

// addressCommand is the start of login and logout: flags, the addresses
// named or configured, and the token manager. stop says the command is
// done, with err.
func addressCommand(inv *invocation, name string, args []string) (list protocol.Addresses, fresh *protocol.Address, m *tokens.Manager, stop bool, err error) {
	fs := newFlags(inv, name)
	if stop, err := parseFlags(inv, fs, args); stop {
		return nil, nil, nil, true, err
	}
	if err := extraArguments(fs, 1); err != nil {
		return nil, nil, nil, true, err
	}
	list, fresh, err = selectAddresses(inv, name, fs.Args())
	if err != nil {
		return nil, nil, nil, true, addressError(fmt.Errorf("%s: %w", name, err))
	}
	m, err = inv.manager()
	if err != nil {
		return nil, nil, nil, true, err
	}
	return list, fresh, m, false, nil
}

func runLogin(ctx context.Context, inv *invocation, args []string) error {
	list, fresh, m, stop, err := addressCommand(inv, "login", args)
	if stop {
		return err
	}
	// login is a person asking: a device flow may run unless forbidden.
	ctx, cancel := inv.interruptible(ctx)
	defer cancel()
	var failed error
	for _, a := range list {
		t, err := m.Login(ctx, a.Raw)
		if err != nil {
			inv.errorf("%v", err)
			failed = errReported
			continue
		}
		fmt.Fprintf(inv.stderr, "Logged in to %s%s; token stored in %s%s.\n", termtext.Escape(a.Raw), subjectSuffix(t), m.StoreName(), expirySuffix(t, inv.clock()()))
	}
	if fresh != nil && failed == nil {
		// Remembered only once the login worked: a mistyped address is not.
		cfg, err := inv.loadUserConfig()
		if err == nil {
			cfg.Add([]string{fresh.Raw}, sameAddress)
			err = cfg.Save()
		}
		if err != nil {
			return fmt.Errorf("login: the token is stored, but %s could not be remembered (%w); run `git-credential-ppm setup %s`", fresh.Raw, err, fresh.Raw)
		}
		fmt.Fprintf(inv.stderr, "Remembered %s in %s: new shells use it without PACKAGEMANAGER_ADDRESS (`git-credential-ppm setup` wires git, pip and uv for it).\n", termtext.Escape(fresh.Raw), cfg.Path)
	}
	return failed
}

func subjectSuffix(t tokens.Token) string {
	if t.Subject == "" {
		return ""
	}
	return " as " + termtext.Escape(t.Subject)
}

func expirySuffix(t tokens.Token, now time.Time) string {
	if t.Expiry.IsZero() {
		return " (no expiry)"
	}
	return fmt.Sprintf(" (expires %s, in %s)", t.Expiry.Local().Format("2006-01-02 15:04 MST"), t.Expiry.Sub(now).Round(time.Second))
}

func runLogout(_ context.Context, inv *invocation, args []string) error {
	list, _, m, stop, err := addressCommand(inv, "logout", args)
	if stop {
		return err
	}
	var failed error
	for _, a := range list {
		had, err := m.Logout(a.Raw)
		switch {
		case err != nil:
			inv.errorf("%v", err)
			failed = errReported
		case had:
			fmt.Fprintf(inv.stderr, "Removed the token for %s from %s.\n", a.Raw, m.StoreName())
		default:
			fmt.Fprintf(inv.stderr, "No token stored for %s in %s.\n", a.Raw, m.StoreName())
		}
	}
	return failed
}
