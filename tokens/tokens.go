// Package tokens turns "a token for address X" into one: from the store when
// the stored token is not close to expiry, otherwise under a per-address
// cross-process lock by exchanging an identity token (CI) or running the
// device flow (a person), then storing the result (SPEC §3).
package tokens

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/platform"
)

// ErrLoginRequired is returned when no usable token exists and no login may
// start (PPM_CREDENTIAL_INTERACTIVE=never, GIT_TERMINAL_PROMPT=0, or nobody
// can be reached).
var ErrLoginRequired = errors.New("login required")

// Source says where a token came from.
type Source string

// The places a token can come from.
const (
	FromStatic   Source = "PACKAGEMANAGER_TOKEN"
	FromStore    Source = "store"
	FromShared   Source = "tokens.toml"
	FromIdentity Source = "identity token exchange"
	FromDevice   Source = "device flow"
)

// Token is a PPM token with what is known about it.
type Token struct {
	Value    string
	Expiry   time.Time // zero: no exp claim, valid until the server rejects it
	IssuedAt time.Time
	Subject  string
	Source   Source
}

// Prompter reaches the person during a login. It is implemented by main
// (terminal, stderr, browser); tests supply their own.
type Prompter interface {
	// CanReach reports whether a person can be reached now (a terminal or a
	// browser) and, when not, why.
	CanReach() (ok bool, why string)
	// ShowCode tells the person where to approve the login. It is called once
	// per device flow and may open a browser and start a countdown that
	// runs until ctx ends or Done is called.
	ShowCode(ctx context.Context, address string, da *oauth.DeviceAuth)
	// Done ends what ShowCode started; err is nil when the login succeeded.
	Done(err error)
	// Waiting says once that another process is logging in for address.
	Waiting(address string, pid int)
	// Warn shows a one-line note (e.g. the store could not be written).
	Warn(msg string)
}

// Manager gets tokens for configured addresses. Its fields are set once;
// Manager is safe for concurrent use by one process (the lock serialises
// processes).
type Manager struct {
	// Store is where tokens are kept (the OS store or the file store).
	Store platform.Store
	// Shared, when not nil and not the same as Store, is tokens.toml read
	// for valid tokens that pak, rspm or posit-keyring wrote (SPEC §3.3).
	Shared platform.Store
	// StaticToken (PACKAGEMANAGER_TOKEN) is served as is, never stored.
	StaticToken string
	// IdentityTokenFile (PACKAGEMANAGER_IDENTITY_TOKEN_FILE) is exchanged
	// instead of a device flow; it is re-read on every exchange.
	IdentityTokenFile string
	// Interactive allows a device flow. When false, logins that need a
	// person fail at once with ErrLoginRequired.
	Interactive bool
	// LockDir holds the per-address lock files.
	LockDir string
	// HTTP is the client for PPM's endpoints.
	HTTP *http.Client
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Prompt reaches the person; required when Interactive.
	Prompt Prompter
	// Trace, when not nil, receives trace lines (never secrets).
	Trace func(format string, args ...any)
}

// Options tune one Get.
type Options struct {
	// MinValidity asks for a token with at least this much time left
	// (exec asks for 10 minutes); zero uses the default closeness rule.
	MinValidity time.Duration
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) tracef(format string, args ...any) {
	if m.Trace != nil {
		m.Trace(format, args...)
	}
}

// Describe returns what is known about a token value, decoding its JWT
// claims when it is one; an opaque token is valid until rejected.
func Describe(value string, src Source) Token {
	t := Token{Value: value, Source: src}
	if c, err := oauth.ParseClaims(value); err == nil {
		t.Expiry, t.IssuedAt, t.Subject = c.Expiry, c.IssuedAt, c.Subject
	}
	return t
}

// Fresh reports whether t is usable at now: no expiry, or more left than
// max(minValidity, min(60 s, a tenth of its lifetime)).
func Fresh(t Token, now time.Time, minValidity time.Duration) bool {
	if t.Value == "" {
		return false
	}
	if t.Expiry.IsZero() {
		return true
	}
	margin := 60 * time.Second
	if !t.IssuedAt.IsZero() && t.Expiry.After(t.IssuedAt) {
		if tenth := t.Expiry.Sub(t.IssuedAt) / 10; tenth < margin {
			margin = tenth
		}
	}
	if minValidity > margin {
		margin = minValidity
	}
	return t.Expiry.Sub(now) > margin
}

// Cached returns a fresh token for address without any network request or
// lock, or false. It is the hot path of every git and pip request.
func (m *Manager) Cached(address string, opt Options) (Token, bool) {
	return m.lookup(address, opt, false)
}

// lookup is Cached; quiet leaves out the warning about an unreadable store
// (watchStore polls it many times a second).
func (m *Manager) lookup(address string, opt Options, quiet bool) (Token, bool) {
	if m.StaticToken != "" {
		return Describe(m.StaticToken, FromStatic), true
	}
	now := m.now()
	if v, err := m.Store.Get(address); err == nil {
		if t := Describe(v, FromStore); Fresh(t, now, opt.MinValidity) {
			return t, true
		}
		m.tracef("stored token for %s is expired or close to expiry", address)
	} else if !errors.Is(err, platform.ErrNotFound) && !quiet {
		m.warn(fmt.Sprintf("could not read the %s store: %v", m.Store.Name(), err))
	}
	if m.Shared != nil {
		if v, err := m.Shared.Get(address); err == nil {
			if t := Describe(v, FromShared); Fresh(t, now, opt.MinValidity) {
				return t, true
			}
		}
	}
	return Token{}, false
}

func (m *Manager) warn(msg string) {
	if m.Prompt != nil {
		m.Prompt.Warn(msg)
	}
	m.tracef("%s", msg)
}

// Get returns a usable token for address (SPEC §3): from the store when
// fresh, otherwise under the per-address lock by exchange or device flow.
func (m *Manager) Get(ctx context.Context, address string, opt Options) (Token, error) {
	if t, ok := m.Cached(address, opt); ok {
		m.tracef("token for %s from %s", address, t.Source)
		return t, nil
	}
	return m.renew(ctx, address, opt, false)
}

// Login gets a new token for address now, even when a fresh one is stored,
// and stores it.
func (m *Manager) Login(ctx context.Context, address string) (Token, error) {
	return m.renew(ctx, address, Options{}, true)
}

// Logout removes the stored token for address. It reports whether one was
// there.
func (m *Manager) Logout(address string) (bool, error) {
	err := m.Store.Delete(address)
	if errors.Is(err, platform.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("could not remove the token for %s from the %s store: %w", address, m.Store.Name(), err)
	}
	return true, nil
}

// Reject forgets a token the server refused (git's erase): the stored token
// for address is deleted only when it equals password, so a newer token
// another process stored meanwhile survives. tokens.toml written by other
// tools is cleaned too when it holds the same rejected token, otherwise the
// next request would be served the same dead token again.
func (m *Manager) Reject(address, password string) error {
	if password == "" {
		return nil
	}
	for _, s := range []platform.Store{m.Store, m.Shared} {
		if s == nil {
			continue
		}
		v, err := s.Get(address)
		if err != nil || v != password {
			continue
		}
		if err := s.Delete(address); err != nil && !errors.Is(err, platform.ErrNotFound) {
			return fmt.Errorf("could not remove the rejected token for %s from the %s store: %w", address, s.Name(), err)
		}
		m.tracef("removed the rejected token for %s from the %s store", address, s.Name())
	}
	return nil
}

// LockPath is the lock file that serialises logins for address.
func (m *Manager) LockPath(address string) string {
	sum := sha256.Sum256([]byte(addr.Key(address)))
	return filepath.Join(m.LockDir, "login-"+hex.EncodeToString(sum[:8])+".lock")
}

func (m *Manager) renew(ctx context.Context, address string, opt Options, force bool) (Token, error) {
	if m.StaticToken != "" && !force {
		return Describe(m.StaticToken, FromStatic), nil
	}
	if m.IdentityTokenFile == "" {
		if !m.Interactive {
			return Token{}, fmt.Errorf("%w: no valid token for %s and logins are disabled here; run `git-credential-ppm login` in a terminal, or set PACKAGEMANAGER_IDENTITY_TOKEN_FILE", ErrLoginRequired, address)
		}
		if ok, why := m.Prompt.CanReach(); !ok {
			return Token{}, fmt.Errorf("%w: no valid token for %s and no one to show a login to (%s); run `git-credential-ppm login` in a terminal", ErrLoginRequired, address, why)
		}
	}
	// While another process holds the lock (it is logging in), watch the
	// store: as soon as its token appears, use it instead of queueing for
	// the lock only to read the store afterwards.
	lockCtx, stopWaiting := context.WithCancel(ctx)
	defer stopWaiting()
	found := make(chan Token, 1)
	said := false
	unlock, err := platform.LockFile(lockCtx, m.LockPath(address), func(pid int) {
		if said {
			return
		}
		said = true
		if m.Prompt != nil {
			m.Prompt.Waiting(address, pid)
		}
		if !force {
			go m.watchStore(lockCtx, address, opt, found, stopWaiting)
		}
	})
	if err != nil {
		select {
		case t := <-found:
			m.tracef("token for %s from %s, stored by the process that held the lock", address, t.Source)
			return t, nil
		default:
		}
		return Token{}, fmt.Errorf("could not take the login lock for %s: %w", address, err)
	}
	defer unlock()
	if !force {
		// Another process may have logged in while we waited.
		if t, ok := m.Cached(address, opt); ok {
			m.tracef("token for %s from %s after waiting for the lock", address, t.Source)
			return t, nil
		}
	}
	client := &oauth.Client{BaseURL: address, HTTP: m.HTTP, Now: m.Now}
	var subject string
	var src Source
	if m.IdentityTokenFile != "" {
		subject, err = readIdentityToken(m.IdentityTokenFile)
		if err != nil {
			return Token{}, err
		}
		src = FromIdentity
	} else {
		subject, err = m.deviceFlow(ctx, client, address)
		if err != nil {
			return Token{}, err
		}
		src = FromDevice
	}
	m.tracef("exchanging an identity token at %s", address)
	ot, err := client.Exchange(ctx, subject)
	if err != nil {
		return Token{}, fmt.Errorf("could not get a Package Manager token from %s: %w", address, err)
	}
	t := Describe(ot.AccessToken, src)
	if t.Expiry.IsZero() && !ot.Expiry.IsZero() {
		t.Expiry = ot.Expiry
	}
	if err := m.Store.Set(address, t.Value); err != nil {
		// The token still serves this request; the next one logs in again.
		m.warn(fmt.Sprintf("could not save the token for %s in the %s store (%v); it is used for this request only", address, m.Store.Name(), err))
	}
	m.tracef("new token for %s from %s", address, src)
	return t, nil
}

// watchStore polls the store while another process holds the login lock;
// when a fresh token appears it hands it over and stops the lock wait.
func (m *Manager) watchStore(ctx context.Context, address string, opt Options, found chan<- Token, stop func()) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if t, ok := m.lookup(address, opt, true); ok {
				found <- t
				stop()
				return
			}
		}
	}
}

func (m *Manager) deviceFlow(ctx context.Context, client *oauth.Client, address string) (string, error) {
	m.tracef("starting a device flow at %s", address)
	da, err := client.StartDevice(ctx)
	if err != nil {
		return "", fmt.Errorf("could not start a login at %s: %w", address, err)
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m.Prompt.ShowCode(pctx, address, da)
	id, err := client.PollDevice(pctx, da)
	m.Prompt.Done(err)
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, oauth.ErrAccessDenied):
		return "", fmt.Errorf("the login for %s was denied in the browser; run `git-credential-ppm login` to try again", address)
	case errors.Is(err, oauth.ErrExpired):
		return "", fmt.Errorf("the login code for %s expired before it was approved; run `git-credential-ppm login` to get a new one", address)
	case ctx.Err() != nil:
		return "", fmt.Errorf("the login for %s was cancelled", address)
	default:
		return "", fmt.Errorf("the login for %s failed: %w", address, err)
	}
}

// readIdentityToken reads the first line of the identity token file,
// trimmed. CI systems rotate the file, so it is read on every exchange.
func readIdentityToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("could not read the identity token file PACKAGEMANAGER_IDENTITY_TOKEN_FILE=%s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("the identity token file PACKAGEMANAGER_IDENTITY_TOKEN_FILE=%s is empty; check the CI job's OIDC token setup", path)
	}
	return line, nil
}
