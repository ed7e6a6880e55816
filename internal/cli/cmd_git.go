package cli

import (
	"bufio"
	"context"
	"fmt"
	"strconv"

	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// runGitGet answers git's `get`: a token for a configured address, nothing
// for any other host (so git asks its next helper).
func runGitGet(ctx context.Context, inv *invocation) error {
	_, addr, ok, err := readGitRequest(inv, "get")
	if !ok {
		return err
	}
	t, err := inv.token(ctx, addr, tokens.Options{})
	if err != nil {
		return err
	}
	return writeGitToken(inv, t)
}

// readGitRequest reads git's attributes and finds the configured address
// they belong to. ok is false when there is nothing more to do: bad input
// (err says why) or another host (err nil: silence, and git asks its next
// helper).
func readGitRequest(inv *invocation, action string) (attrs *protocol.Attributes, addr protocol.Address, ok bool, err error) {
	attrs, err = protocol.ReadAttributes(inv.stdin)
	if err != nil {
		return nil, addr, false, fmt.Errorf("git sent input this helper cannot read: %w", err)
	}
	list, err := inv.addresses()
	if err != nil {
		return nil, addr, false, err
	}
	if len(list) == 0 && action == "get" {
		// git shows a helper's stderr: without this line a new shell in
		// which nothing is configured only gets git's own password prompt.
		inv.errorf("git asked for %s://%s, but %v", attrs.Protocol(), attrs.Host(), errNoAddress)
		return nil, addr, false, nil
	}
	addr, ok = list.ForGit(attrs.Protocol(), attrs.Host(), attrs.Path())
	if !ok {
		inv.tracef("%s %s://%s: not a configured Package Manager address", action, attrs.Protocol(), attrs.Host())
		return nil, addr, false, nil
	}
	return attrs, addr, true, nil
}

func writeGitToken(inv *invocation, t tokens.Token) error {
	pairs := []protocol.Pair{
		{Key: "username", Value: "__token__"},
		{Key: "password", Value: t.Value},
	}
	if !t.Expiry.IsZero() {
		pairs = append(pairs, protocol.Pair{Key: "password_expiry_utc", Value: strconv.FormatInt(t.Expiry.Unix(), 10)})
	}
	w := bufio.NewWriter(inv.stdout)
	if err := protocol.WriteAttributes(w, pairs...); err != nil {
		return fmt.Errorf("cannot answer git: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("cannot answer git: %w", err)
	}
	return nil
}

// runGitErase forgets the stored token when git reports it was rejected.
func runGitErase(inv *invocation) error {
	attrs, addr, ok, err := readGitRequest(inv, "erase")
	if !ok || attrs.Password() == "" {
		return err
	}
	m, err := inv.manager()
	if err != nil {
		return err
	}
	return m.Reject(addr.Raw, attrs.Password())
}
