package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// env is one invocation: its argv, environment and stdio. Commands read
// configuration only through it, so tests can run them in-process.
type env struct {
	args           []string
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer

	traceOnce sync.Once
	trace     *tracer
	prompt    *prompter
}

func (e *env) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(e.stderr, "git-credential-ppm: "+redact(msg))
}

func (e *env) usage() {
	fmt.Fprint(e.stderr, usageText)
}

// addresses parses PACKAGEMANAGER_ADDRESS. Unset is not an error: the
// helper serves nothing.
func (e *env) addresses() ([]protocol.Address, error) {
	raw := strings.TrimSpace(e.getenv("PACKAGEMANAGER_ADDRESS"))
	if raw == "" {
		return nil, nil
	}
	list, err := protocol.ParseAddressList(raw)
	if err != nil {
		return nil, fmt.Errorf("PACKAGEMANAGER_ADDRESS: %w", err)
	}
	return list, nil
}

// tracer returns the trace sink (PPM_CREDENTIAL_TRACE) or nil.
func (e *env) tracer() *tracer {
	e.traceOnce.Do(func() {
		e.trace = openTracer(e.getenv("PPM_CREDENTIAL_TRACE"), e.stderr)
	})
	return e.trace
}

func (e *env) tracef(format string, args ...any) {
	if t := e.tracer(); t != nil {
		t.printf(format, args...)
	}
}

// interactive reports whether a device flow may start, and why not.
func (e *env) interactive() (bool, string) {
	if e.getenv("GIT_TERMINAL_PROMPT") == "0" {
		return false, "GIT_TERMINAL_PROMPT=0"
	}
	switch v := strings.ToLower(strings.TrimSpace(e.getenv("PPM_CREDENTIAL_INTERACTIVE"))); v {
	case "", "auto":
		return true, ""
	case "never", "0", "false", "no":
		return false, "PPM_CREDENTIAL_INTERACTIVE=" + v
	default:
		return true, ""
	}
}

func (e *env) tokensPath() (string, error) {
	return platform.DefaultTokensPath(e.getenv)
}

// manager builds the token manager: opens the configured store (printing
// the auto fallback warning once per reason) and wires the prompter.
func (e *env) manager() (*tokens.Manager, error) {
	path, err := e.tokensPath()
	if err != nil {
		return nil, err
	}
	choice := strings.ToLower(strings.TrimSpace(e.getenv("PPM_CREDENTIAL_STORE")))
	store, warning, err := platform.OpenStore(choice, platform.Options{Getenv: e.getenv, FilePath: path})
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if warning != "" {
		e.warnOnce(dir, warning)
	}
	m := &tokens.Manager{
		Store:             store,
		StaticToken:       strings.TrimSpace(e.getenv("PACKAGEMANAGER_TOKEN")),
		IdentityTokenFile: e.getenv("PACKAGEMANAGER_IDENTITY_TOKEN_FILE"),
		LockDir:           dir,
		HTTP:              e.httpClient(),
		Prompt:            e.prompter(),
	}
	m.Interactive, _ = e.interactive()
	if store.Name() != "file" {
		m.Shared = platform.NewFileStore(path)
	}
	if t := e.tracer(); t != nil {
		m.Trace = t.printf
	}
	return m, nil
}

// token gets the token for addr, saying on stderr in one line why when it
// cannot.
func (e *env) token(ctx context.Context, addr protocol.Address, opt tokens.Options) (tokens.Token, bool) {
	m, err := e.manager()
	if err != nil {
		e.errorf("%v", err)
		return tokens.Token{}, false
	}
	if t, ok := m.Cached(addr.Raw, opt); ok {
		return t, true
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	t, err := m.Get(ctx, addr.Raw, opt)
	if err != nil {
		e.errorf("%v", err)
		return tokens.Token{}, false
	}
	return t, true
}

// interruptible returns a context that Ctrl-C (SIGINT) or SIGTERM cancels,
// for commands that may wait on a login or the network.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// warnOnce prints a warning the first time it is seen on this machine (a
// marker file beside tokens.toml remembers it), so that every git request
// does not repeat the same line.
func (e *env) warnOnce(dir, warning string) {
	marker := filepath.Join(dir, ".store-warning")
	if b, err := platform.ReadOwnFile(marker, 4096); err == nil && string(b) == warning {
		e.tracef("%s", warning)
		return
	}
	fmt.Fprintln(e.stderr, warning)
	if err := os.MkdirAll(dir, 0o700); err == nil {
		_ = platform.WriteFileAtomic(marker, []byte(warning), platform.WriteOptions{}) // replaces a planted link, never follows it
	}
}

func (e *env) httpClient() *http.Client {
	c := oauth.NewHTTPClient()
	if t := e.tracer(); t != nil {
		c.Transport = &tracingTransport{next: c.Transport, t: t}
	}
	return c
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

var errNoAddress = errors.New("PACKAGEMANAGER_ADDRESS is not set; set it to your Package Manager URL, e.g. export PACKAGEMANAGER_ADDRESS=https://ppm.example.com")
