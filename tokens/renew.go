package tokens

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/platform"
)

// Get returns a usable token for address (docs/contract.md §3): from the store when
// fresh, otherwise under the per-address lock by exchange or device flow.
func (m *Manager) Get(ctx context.Context, address string, opt Options) (Token, error) {
	if t, ok := m.Cached(address, opt); ok {
		return t, nil
	}
	return m.Renew(ctx, address, opt)
}

// Renew is Get after Cached found nothing usable: it takes the per-address
// lock, looks again (another process may just have logged in), and
// otherwise exchanges an identity token or runs the device flow.
func (m *Manager) Renew(ctx context.Context, address string, opt Options) (Token, error) {
	return m.renew(ctx, address, opt, false)
}

// Login gets a new token for address now, even when a fresh one is stored,
// and stores it.
func (m *Manager) Login(ctx context.Context, address string) (Token, error) {
	return m.renew(ctx, address, Options{}, true)
}

// LockPath is the lock file that serialises logins for address.
func (m *Manager) LockPath(address string) string {
	sum := sha256.Sum256([]byte(addr.Key(address)))
	return filepath.Join(m.LockDir, "login-"+hex.EncodeToString(sum[:8])+".lock")
}

func (m *Manager) renew(ctx context.Context, address string, opt Options, force bool) (Token, error) {
	if m.StaticToken != "" && !force {
		return New(m.StaticToken, FromStatic), nil
	}
	identity := m.identity()
	if identity == nil {
		if !m.Interactive {
			return Token{}, fmt.Errorf("%w: no valid token for %s and logins are disabled here; run `git-credential-ppm login` in a terminal, or give CI an identity token (PACKAGEMANAGER_IDENTITY_TOKEN_FILE or PACKAGEMANAGER_IDENTITY_TOKEN)", ErrLoginRequired, address)
		}
		if ok, why := m.Prompt.CanReach(); !ok {
			return Token{}, fmt.Errorf("%w: no valid token for %s and no one to show a login to (%s); run `git-credential-ppm login` in a terminal", ErrLoginRequired, address, why)
		}
	}
	unlock, t, found, err := m.takeLoginLock(ctx, address, opt, force)
	if err != nil || found {
		return t, err
	}
	defer unlock()
	if !force {
		// Another process may have logged in while we waited.
		if t, ok := m.lookup(address, opt); ok {
			m.tracef("token for %s from %s after waiting for the lock", address, t.Source)
			return t, nil
		}
	}
	client := &oauth.Client{BaseURL: address, HTTP: m.HTTP, Now: m.Now}
	var subject string
	var src Source
	if identity != nil {
		// A CI login is two requests of at most 30 s each: waiters need
		// not give this process 10 minutes.
		m.announceDeadline(address, time.Now().Add(identityLoginWait))
		m.tracef("identity token for %s from %s", address, identity.Describe())
		subject, err = identity.IdentityToken(ctx)
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
	t = New(ot.AccessToken, src)
	stored := t.Value
	if t.Expiry.IsZero() && !ot.Expiry.IsZero() {
		// An opaque token: keep its expires_in beside it in the store.
		t.Expiry = ot.Expiry
		stored = platform.WithExpiry(t.Value, t.Expiry)
	}
	m.checkIssued(address, t)
	if err := m.Store.Set(address, stored); err != nil {
		// The token still serves this request; the next one logs in again.
		m.warn(fmt.Sprintf("could not save the token for %s in the %s store (%v); it is used for this request only", address, m.Store.Name(), err))
	}
	m.tracef("new token for %s from %s", address, src)
	return t, nil
}

// checkIssued says, in one line and once per process, when a token just
// issued is already expired or close to it by this machine's clock: the
// clock is wrong (or the server issued a token with a bad exp), and every
// request would silently exchange again.
func (m *Manager) checkIssued(address string, t Token) {
	now := m.now()
	switch {
	case t.InvalidExpiry:
		m.warnOnce.Do(func() {
			m.warn(fmt.Sprintf("Package Manager at %s issued a token whose exp claim is not a valid time; it counts as expired, so every request asks for a new one: tell the Package Manager administrator", address))
		})
	case !t.Expiry.IsZero() && now.After(t.Expiry):
		skew := now.Sub(t.Expiry)
		if !t.IssuedAt.IsZero() {
			skew = now.Sub(t.IssuedAt)
		}
		m.warnOnce.Do(func() {
			m.warn(fmt.Sprintf("the token Package Manager at %s just issued has already expired by this machine's clock, which looks %s ahead of the server's: correct the clock (e.g. enable NTP), or every request asks for a new token", address, skew.Round(time.Second)))
		})
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
	if !da.ExpiresAt.IsZero() {
		m.announceDeadline(address, da.ExpiresAt)
	}
	m.Prompt.ShowCode(pctx, address, LoginCode{
		UserCode:                da.UserCode,
		VerificationURI:         da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete,
		ExpiresAt:               da.ExpiresAt,
	})
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
