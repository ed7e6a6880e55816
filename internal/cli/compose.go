package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/browser"
	"github.com/posit-dev/git-credential-ppm/internal/safefile"
	"github.com/posit-dev/git-credential-ppm/internal/tty"
	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// This file is the composition root: the one place in package main that
// builds the token lifecycle out of the platform's stores and the oauth
// client. Everything else reaches stored tokens through tokens.Manager.

func (inv *invocation) tokensPath() (string, error) {
	return platform.DefaultTokensPath(inv.getenv)
}

// checkTokenDir checks the directory of tokens.toml and the file as the
// file store does before trusting them (platform.CheckTokenDir), for
// doctor; it returns the directory.
func (inv *invocation) checkTokenDir() (string, error) {
	path, err := inv.tokensPath()
	if err != nil {
		return "", err
	}
	return filepath.Dir(path), platform.CheckTokenDir(path)
}

// manager builds the token manager: opens the configured store (printing
// the auto fallback warning once per reason) and wires the prompter.
func (inv *invocation) manager() (*tokens.Manager, error) {
	path, err := inv.tokensPath()
	if err != nil {
		return nil, err
	}
	choice := settingValue(inv.getenv, "PPM_CREDENTIAL_STORE")
	opts := platform.Options{Getenv: inv.getenv, FilePath: path}
	if list, err := inv.addresses(); err == nil {
		for _, a := range list {
			opts.Prefetch = append(opts.Prefetch, a.Raw) // the store may look them up while it opens
		}
	}
	store, warning, err := platform.OpenStore(choice, opts)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if warning != "" {
		inv.warnOnce(dir, warning)
	}
	hc := inv.httpClient()
	m := &tokens.Manager{
		Store:       store,
		StaticToken: strings.TrimSpace(inv.getenv("PACKAGEMANAGER_TOKEN")),
		Identity:    tokens.IdentityFromEnv(inv.getenv, hc),
		LockDir:     dir,
		HTTP:        hc,
		Now:         inv.clock(),
		Prompt:      inv.prompter(),
	}
	var off string
	m.Interactive, off = inv.interactive()
	m.NotInteractive = off
	if store.Name() != "file" {
		m.Shared = platform.NewFileStore(path)
	}
	if t := inv.tracer(); t != nil {
		m.Trace = t.printf
	}
	return m, nil
}

// prompter returns the invocation's prompter, reaching the person through
// the platform's terminal and browser.
func (inv *invocation) prompter() *prompter {
	if inv.prompt == nil {
		inv.prompt = &prompter{
			inv: inv,
			openTerminal: func() (io.ReadWriteCloser, error) {
				return tty.Open()
			},
			browserCommand: func() ([]string, bool, string) {
				return browser.Command(inv.getenv, runtime.GOOS)
			},
			openBrowser: browser.Open,
		}
	}
	return inv.prompt
}

// token gets the token for addr; the error says in one line why it
// cannot.
func (inv *invocation) token(ctx context.Context, addr protocol.Address, opt tokens.Options) (tokens.Token, error) {
	m, err := inv.manager()
	if err != nil {
		return tokens.Token{}, err
	}
	return inv.tokenFrom(ctx, m, addr, opt)
}

// tokenFrom is token with a manager the caller built (one for several
// addresses).
func (inv *invocation) tokenFrom(ctx context.Context, m *tokens.Manager, addr protocol.Address, opt tokens.Options) (tokens.Token, error) {
	if t, ok := m.Cached(addr.Raw, opt); ok {
		return t, nil
	}
	ctx, stop := inv.interruptible(ctx)
	defer stop()
	return m.Renew(ctx, addr.Raw, opt)
}

// interruptible returns a context that Ctrl-C (SIGINT) or SIGTERM cancels,
// for commands that may wait on a login or the network. Whatever the
// command waits on, it ends within a second of the signal: what does not
// stop when the context ends (a store waiting for its own lock, a file
// that will not open) is cut short after stopGrace with one line and
// status 1. Everything the helper writes is replaced atomically, so
// stopping in the middle loses at most the token being fetched.
func (inv *invocation) interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
			return
		case s := <-sigs:
			cancel()
			select {
			case <-done:
			case <-time.After(stopGrace):
				name := "SIGTERM"
				if s == os.Interrupt {
					name = "Ctrl-C (SIGINT)"
				}
				inv.errorf("stopped by %s before the command could finish; run it again when you are ready", name)
				os.Exit(exitFailure)
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel()
		})
	}
}

// stopGrace is how long a command may take to end by itself after Ctrl-C
// or SIGTERM before it is cut short.
const stopGrace = 500 * time.Millisecond

// warnOnce prints a warning the first time it is seen on this machine (a
// marker file beside tokens.toml remembers it), so that every git request
// does not repeat the same line.
func (inv *invocation) warnOnce(dir, warning string) {
	marker := filepath.Join(dir, ".store-warning")
	if b, err := safefile.ReadOwnFile(marker, 4096); err == nil && string(b) == warning {
		inv.tracef("%s", warning)
		return
	}
	fmt.Fprintln(inv.stderr, warning)
	if err := os.MkdirAll(dir, 0o700); err == nil {
		_ = safefile.WriteFileAtomic(marker, []byte(warning), safefile.WriteOptions{}) // replaces a planted link, never follows it
	}
}

// httpClient is the invocation's one HTTP client, for Package Manager,
// GitHub's identity request and doctor's checks (oauth.NewHTTPClientTraced:
// certificate authorities, proxies, limits and the redirect policy, read
// through the invocation's environment at its first request); with tracing
// on, it traces each request (method, URL without query, status) and the
// proxy and certificate authorities it uses.
func (inv *invocation) httpClient() *http.Client {
	inv.httpOnce.Do(func() {
		var trace func(string, ...any)
		if t := inv.tracer(); t != nil {
			trace = t.printf
		}
		inv.client = oauth.NewHTTPClientTraced(inv.getenv, trace)
	})
	return inv.client
}
