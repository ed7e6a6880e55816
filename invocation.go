package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/redact"
	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// invocation is one run of the program: its argv, environment, clock and
// stdio. Commands read process state only through it, so tests can run
// them in-process and nothing reaches for os.Environ or time.Now directly.
type invocation struct {
	args           []string
	getenv         func(string) string
	environ        func() []string // the whole environment, for exec's child
	now            func() time.Time
	stdin          io.Reader
	stdout, stderr io.Writer

	traceOnce sync.Once
	trace     *tracer
	prompt    *prompter

	httpOnce sync.Once
	client   *http.Client // built by httpClient

	addrOnce sync.Once
	addrList []protocol.Address
	addrErr  error
}

// errorf prints one line on stderr: redacted, and with control characters
// escaped (server text must not drive the terminal or forge a line).
func (inv *invocation) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(inv.stderr, "git-credential-ppm: "+termtext.Escape(redact.Text(msg)))
}

// clock returns the invocation's clock (time.Now when none was injected).
func (inv *invocation) clock() func() time.Time {
	if inv.now != nil {
		return inv.now
	}
	return time.Now
}

// environment returns the whole environment (none when not injected).
func (inv *invocation) environment() []string {
	if inv.environ != nil {
		return inv.environ()
	}
	return nil
}

// addresses parses PACKAGEMANAGER_ADDRESS, once per invocation (a get
// needs it to match git's request and again to open the store). Unset is
// not an error: the helper serves nothing.
func (inv *invocation) addresses() ([]protocol.Address, error) {
	inv.addrOnce.Do(func() {
		raw := strings.TrimSpace(inv.getenv("PACKAGEMANAGER_ADDRESS"))
		if raw == "" {
			return
		}
		inv.addrList, inv.addrErr = protocol.ParseAddressList(raw)
		if inv.addrErr != nil {
			inv.addrList, inv.addrErr = nil, fmt.Errorf("PACKAGEMANAGER_ADDRESS: %w", inv.addrErr)
		}
	})
	return inv.addrList, inv.addrErr
}

// configured returns the configured addresses, or errNoAddress when there
// are none.
func (inv *invocation) configured() ([]protocol.Address, error) {
	list, err := inv.addresses()
	if err == nil && len(list) == 0 {
		err = errNoAddress
	}
	return list, err
}

// configuredAddress returns the configured address that raw names, spelled
// as configured (the stores key on that spelling). An address that is not
// configured is refused: tokens and identity tokens go only to configured
// addresses (docs/contract.md §8). The error wraps errNoAddress when none is configured.
func (inv *invocation) configuredAddress(raw string) (protocol.Address, error) {
	want, err := protocol.ParseAddress(raw)
	if err != nil {
		return protocol.Address{}, err
	}
	list, err := inv.configured()
	if err != nil {
		return protocol.Address{}, fmt.Errorf("%s is not a configured address: %w", raw, err)
	}
	for _, a := range list {
		if a.Scheme == want.Scheme && a.Host == want.Host && a.Path == want.Path {
			return a, nil
		}
	}
	return protocol.Address{}, fmt.Errorf("%s is not one of PACKAGEMANAGER_ADDRESS (%s); tokens go only to configured addresses, so add it there first", raw, joinRaw(list))
}

// tracer returns the trace sink (PPM_CREDENTIAL_TRACE) or nil.
func (inv *invocation) tracer() *tracer {
	inv.traceOnce.Do(func() {
		inv.trace = openTracer(inv.getenv("PPM_CREDENTIAL_TRACE"), inv.stderr)
	})
	return inv.trace
}

func (inv *invocation) tracef(format string, args ...any) {
	if t := inv.tracer(); t != nil {
		t.printf(format, args...)
	}
}

// interactive reports whether a device flow may start, and why not. The
// value of PPM_CREDENTIAL_INTERACTIVE was checked by checkSettings.
func (inv *invocation) interactive() (bool, string) {
	if inv.getenv("GIT_TERMINAL_PROMPT") == "0" {
		return false, "GIT_TERMINAL_PROMPT=0"
	}
	if v := settingValue(inv.getenv, "PPM_CREDENTIAL_INTERACTIVE"); v == "never" {
		return false, "PPM_CREDENTIAL_INTERACTIVE=never"
	}
	return true, ""
}

// matchGit finds the configured address a git request belongs to.
func matchGit(list []protocol.Address, a *protocol.Attributes) (protocol.Address, bool) {
	for _, addr := range list {
		if addr.MatchGit(a.Protocol(), a.Host(), a.Path()) {
			return addr, true
		}
	}
	return protocol.Address{}, false
}

// matchService finds the configured address a keyring service belongs to.
func matchService(list []protocol.Address, service string) (protocol.Address, bool) {
	for _, addr := range list {
		if addr.MatchService(service) {
			return addr, true
		}
	}
	return protocol.Address{}, false
}

// addressExit is the exit status for an error of configuredAddress: 1 when
// nothing is configured, else 2 (the command line names an address that is
// not allowed, or is no address).
func addressExit(err error) int {
	if errors.Is(err, errNoAddress) {
		return exitFailure
	}
	return exitUsage
}

func joinRaw(list []protocol.Address) string {
	raws := make([]string, len(list))
	for i, a := range list {
		raws[i] = a.Raw
	}
	return strings.Join(raws, ", ")
}

var errNoAddress = errors.New("PACKAGEMANAGER_ADDRESS is not set; set it to your Package Manager URL, e.g. export PACKAGEMANAGER_ADDRESS=https://ppm.example.com")
