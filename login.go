package main

import (
	"context"
	"fmt"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// selectAddresses returns the configured addresses, or the one named on the
// command line, which must be one of them.
func selectAddresses(inv *invocation, args []string) ([]protocol.Address, error) {
	if len(args) == 1 {
		a, err := inv.configuredAddress(args[0])
		if err != nil {
			return nil, err
		}
		return []protocol.Address{a}, nil
	}
	return inv.configured()
}

// addressCommand is the start of login and logout: flags, the addresses
// named or configured, and the token manager. code >= 0 means stop with it.
func addressCommand(inv *invocation, name string, args []string) (list []protocol.Address, m *tokens.Manager, code int) {
	fs := newFlags(inv, name)
	if code := parseFlags(inv, fs, args); code >= 0 {
		return nil, nil, code
	}
	if code := extraArguments(inv, fs, 1); code >= 0 {
		return nil, nil, code
	}
	list, err := selectAddresses(inv, fs.Args())
	if err != nil {
		inv.errorf("%s: %v", name, err)
		return nil, nil, addressExit(err)
	}
	m, err = inv.manager()
	if err != nil {
		inv.errorf("%v", err)
		return nil, nil, exitFailure
	}
	return list, m, -1
}

func runLogin(ctx context.Context, inv *invocation, args []string) int {
	list, m, code := addressCommand(inv, "login", args)
	if code >= 0 {
		return code
	}
	// login is a person asking: a device flow may run unless forbidden.
	ctx, stop := inv.interruptible(ctx)
	defer stop()
	code = exitOK
	for _, a := range list {
		t, err := m.Login(ctx, a.Raw)
		if err != nil {
			inv.errorf("%v", err)
			code = exitFailure
			continue
		}
		fmt.Fprintf(inv.stderr, "Logged in to %s%s; token stored in %s%s.\n", termtext.Escape(a.Raw), subjectSuffix(t), m.StoreName(), expirySuffix(t, inv.clock()()))
	}
	return code
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

func runLogout(_ context.Context, inv *invocation, args []string) int {
	list, m, code := addressCommand(inv, "logout", args)
	if code >= 0 {
		return code
	}
	code = exitOK
	for _, a := range list {
		had, err := m.Logout(a.Raw)
		switch {
		case err != nil:
			inv.errorf("%v", err)
			code = exitFailure
		case had:
			fmt.Fprintf(inv.stderr, "Removed the token for %s from %s.\n", a.Raw, m.StoreName())
		default:
			fmt.Fprintf(inv.stderr, "No token stored for %s in %s.\n", a.Raw, m.StoreName())
		}
	}
	return code
}
