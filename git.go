package main

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
func runGitGet(ctx context.Context, e *env) int {
	_, addr, code := readGitRequest(e, "get")
	if code >= 0 {
		return code
	}
	t, ok := e.token(ctx, addr, tokens.Options{})
	if !ok {
		return 1
	}
	return writeGitToken(e, t)
}

// readGitRequest reads git's attributes and finds the configured address
// they belong to. It returns an exit code >= 0 when there is nothing more
// to do: bad input (1, one line said) or another host (0, silence).
func readGitRequest(e *env, action string) (*protocol.Attributes, protocol.Address, int) {
	attrs, err := protocol.ReadAttributes(e.stdin)
	if err != nil {
		e.errorf("git sent input this helper cannot read: %v", err)
		return nil, protocol.Address{}, 1
	}
	list, err := e.addresses()
	if err != nil {
		e.errorf("%v", err)
		return nil, protocol.Address{}, 1
	}
	addr, ok := matchGit(list, attrs)
	if !ok {
		e.tracef("%s %s://%s: not a configured Package Manager address", action, attrs.Protocol(), attrs.Host())
		return nil, protocol.Address{}, 0
	}
	return attrs, addr, -1
}

func writeGitToken(e *env, t tokens.Token) int {
	pairs := []protocol.Pair{
		{Key: "username", Value: "__token__"},
		{Key: "password", Value: t.Value},
	}
	if !t.Expiry.IsZero() {
		pairs = append(pairs, protocol.Pair{Key: "password_expiry_utc", Value: strconv.FormatInt(t.Expiry.Unix(), 10)})
	}
	w := bufio.NewWriter(e.stdout)
	if err := protocol.WriteAttributes(w, pairs...); err != nil {
		e.errorf("cannot answer git: %v", err)
		return 1
	}
	if err := w.Flush(); err != nil {
		e.errorf("cannot answer git: %v", err)
		return 1
	}
	return 0
}

// runGitErase forgets the stored token when git reports it was rejected.
func runGitErase(e *env) int {
	attrs, addr, code := readGitRequest(e, "erase")
	if code >= 0 {
		return code
	}
	if attrs.Password() == "" {
		return 0
	}
	m, err := e.manager()
	if err != nil {
		e.errorf("%v", err)
		return 1
	}
	if err := m.Reject(addr.Raw, attrs.Password()); err != nil {
		e.errorf("%v", err)
		return 1
	}
	return 0
}

// runUnknown follows git's rule for helpers: an action the helper does not
// know is ignored with status 0. A person at a terminal gets a hint.
func runUnknown(e *env, cmd string) int {
	if isTerminal(e.stdin) {
		fmt.Fprintf(e.stderr, "git-credential-ppm: unknown command %q; run `git-credential-ppm help`\n", cmd)
	}
	return 0
}
