package main

import (
	"bufio"
	"context"
	"strconv"

	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// runGitGet answers git's `get`: a token for a configured address, nothing
// for any other host (so git asks its next helper).
func runGitGet(ctx context.Context, inv *invocation) int {
	_, addr, code := readGitRequest(inv, "get")
	if code >= 0 {
		return code
	}
	t, ok := inv.token(ctx, addr, tokens.Options{})
	if !ok {
		return 1
	}
	return writeGitToken(inv, t)
}

// readGitRequest reads git's attributes and finds the configured address
// they belong to. It returns an exit code >= 0 when there is nothing more
// to do: bad input (1, one line said) or another host (0, silence).
func readGitRequest(inv *invocation, action string) (*protocol.Attributes, protocol.Address, int) {
	attrs, err := protocol.ReadAttributes(inv.stdin)
	if err != nil {
		inv.errorf("git sent input this helper cannot read: %v", err)
		return nil, protocol.Address{}, 1
	}
	list, err := inv.addresses()
	if err != nil {
		inv.errorf("%v", err)
		return nil, protocol.Address{}, 1
	}
	if len(list) == 0 && action == "get" {
		// git shows a helper's stderr: without this line a new shell in
		// which nothing is configured only gets git's own password prompt.
		inv.errorf("git asked for %s://%s, but %v", attrs.Protocol(), attrs.Host(), errNoAddress)
		return nil, protocol.Address{}, 0
	}
	addr, ok := matchGit(list, attrs)
	if !ok {
		inv.tracef("%s %s://%s: not a configured Package Manager address", action, attrs.Protocol(), attrs.Host())
		return nil, protocol.Address{}, 0
	}
	return attrs, addr, -1
}

func writeGitToken(inv *invocation, t tokens.Token) int {
	pairs := []protocol.Pair{
		{Key: "username", Value: "__token__"},
		{Key: "password", Value: t.Value},
	}
	if !t.Expiry.IsZero() {
		pairs = append(pairs, protocol.Pair{Key: "password_expiry_utc", Value: strconv.FormatInt(t.Expiry.Unix(), 10)})
	}
	w := bufio.NewWriter(inv.stdout)
	if err := protocol.WriteAttributes(w, pairs...); err != nil {
		inv.errorf("cannot answer git: %v", err)
		return 1
	}
	if err := w.Flush(); err != nil {
		inv.errorf("cannot answer git: %v", err)
		return 1
	}
	return 0
}

// runGitErase forgets the stored token when git reports it was rejected.
func runGitErase(inv *invocation) int {
	attrs, addr, code := readGitRequest(inv, "erase")
	if code >= 0 {
		return code
	}
	if attrs.Password() == "" {
		return 0
	}
	m, err := inv.manager()
	if err != nil {
		inv.errorf("%v", err)
		return 1
	}
	if err := m.Reject(addr.Raw, attrs.Password()); err != nil {
		inv.errorf("%v", err)
		return 1
	}
	return 0
}
