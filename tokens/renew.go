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

// Get returns a token for address (docs/contract.md §3): from the store
// when fresh, otherwise renewed first (see Renew).
func (m *Manager) Get(ctx context.Context, address string, opt Options) (Token, error) {
	if t, ok := m.Cached(address, opt); ok {
		return t, nil
	}
	return m.Renew(ctx, address, opt)
}

// Renew is Get after Cached found nothing fresh: it takes the per-address
// lock, looks again (another process may just have logged in), and
// otherwise exchanges an identity token or runs the device flow. When no
// renewal is possible here (no identity token, nobody to show a login to,
// logins disabled) or the renewal fails, a stored token that still works
// is served as is, with one line saying how long it has left and how to
// get a fresh one; an expired token never is.
func (m *Manager) Renew(ctx context.Context, address string, opt Options) (Token, error) {
	if m.StaticToken != "" {
		return New(m.StaticToken, FromStatic), nil
	}
	if _, _, _, err := m.find(address, opt); errors.Is(err, platform.ErrRefused) {
		return Token{}, err
	}
	if why := m.cannotRenew(); why != "" {
		if t, ok := m.stillUsable(address, opt); ok {
			m.warn(fmt.Sprintf("the token for %s has %s left and cannot be renewed here, %s, so it is used as is; run `git-credential-ppm login` in a terminal for a fresh one", address, m.left(t), why))
			return t, nil
		}
		// Someone ran git, pip or uv: the fix is a login of their own.
		return Token{}, &loginRequired{fmt.Sprintf("no valid token for %s: %s; run `git-credential-ppm login` in a terminal%s", address, why, ciHint(m.Interactive))}
	}
	t, err := m.renew(ctx, address, opt, false)
	if err == nil || ctx.Err() != nil {
		return t, err
	}
	if old, ok := m.stillUsable(address, opt); ok {
		m.warn(fmt.Sprintf("the token for %s has %s left and could not be renewed, so it is used as is: %v", address, m.left(old), err))
		return old, nil
	}
	return Token{}, err
}

// cannotRenew says why no renewal can happen in this process, or "".
func (m *Manager) cannotRenew() string {
	if m.identity() != nil {
		return ""
	}
	if !m.Interactive {
		return m.logins() + " turns logins off here and no CI identity token is configured"
	}
	if m.Prompt == nil {
		return "no one to show a login to"
	}
	if ok, why := m.Prompt.CanReach(); !ok {
		return why
	}
	return ""
}

// logins names what turned logins off.
func (m *Manager) logins() string {
	if m.NotInteractive != "" {
		return m.NotInteractive
	}
	return "PPM_CREDENTIAL_INTERACTIVE=never or GIT_TERMINAL_PROMPT=0"
}

func ciHint(interactive bool) string {
	if interactive {
		return ""
	}
	return ", or give CI an identity token with PACKAGEMANAGER_IDENTITY_TOKEN_FILE or PACKAGEMANAGER_IDENTITY_TOKEN"
}

// stillUsable looks again for the token find would fall back to and
// reports whether it still works.
func (m *Manager) stillUsable(address string, opt Options) (Token, bool) {
	t, _, _, _ := m.find(address, opt)
	return t, Usable(t, m.now())
}

// left is t's time left, for a person.
func (m *Manager) left(t Token) string {
	if t.Expiry.IsZero() {
		return "no expiry"
	}
	return t.Expiry.Sub(m.now()).Round(time.Second).String()
}

// Login gets a new token for address now, even when a fresh one is stored,
// and stores it.
func (m *Manager) Login(ctx context.Context, address string) (Token, error) {
	if _, _, _, err := m.find(address, Options{}); errors.Is(err, platform.ErrRefused) {
		return Token{}, err
	}
	if why := m.cannotRenew(); why != "" {
		// A person ran `login`: say what stops it here, not to run it.
		fix := "run it in a terminal, or set BROWSER to a command that opens the login page"
		if !m.Interactive {
			fix = "run it where " + m.logins() + " is not set" + ciHint(false)
		}
		return Token{}, &loginRequired{fmt.Sprintf("cannot log in to %s: %s; %s", address, why, fix)}
	}
	return m.renew(ctx, address, Options{}, true)
}

// LockPath is the lock file that serialises logins for address.
func (m *Manager) LockPath(address string) string {
	sum := sha256.Sum256([]byte(addr.Key(address)))
	return filepath.Join(m.LockDir, "login-"+hex.EncodeToString(sum[:8])+".lock")
}

func (m *Manager) renew(ctx context.Context, address string, opt Options, force bool) (Token, error) {
	identity := m.identity()
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
	client := &oauth.Client{BaseURL: address, HTTP: m.HTTP, Now: m.Now, Notice: m.warn}
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
	received := m.now()
	t = New(ot.AccessToken, src)
	if t.Expiry.IsZero() && !ot.Expiry.IsZero() {
		// An opaque token: its expires_in gave the expiry and the time of
		// the request its issue time, both kept beside it in the store.
		t.Expiry, t.IssuedAt = ot.Expiry, ot.IssuedAt
	}
	stored, err := m.checkArrival(address, &t, received, exchangeDate(ot))
	if err != nil {
		return Token{}, err
	}
	if err := m.Store.Set(address, stored); err != nil {
		// The token still serves this request; the next one logs in again.
		m.warn(fmt.Sprintf("could not save the token for %s in the %s store (%v); it is used for this request only", address, m.Store.Name(), err))
	}
	m.tracef("new token for %s from %s, %s", address, src, m.timeLeft(t))
	return t, nil
}

// exchangeDate is the Date header of the exchange's answer, the server's
// clock, which the arrival check compares with this machine's; zero when
// the answer had none.
func exchangeDate(ot *oauth.Token) time.Time { return ot.ServerDate }

// maxArrivalSkew is how far the server's clock (its Date header, or the
// token's iat) may be from this machine's before an unusable token is put
// down to the clock rather than to the server's token lifetime.
const maxArrivalSkew = time.Minute

// checkArrival looks at a token just issued, received at received by this
// machine's clock; serverDate is the answer's Date header (zero: unknown).
// It returns what to store. A token already expired on arrival, or whose
// exp is not a valid time, is an error naming the likely cause — the
// clock (this machine's time against the server's) or the server's token
// lifetime — and is not stored. A token that arrives with less than the
// minimum left (Margin) is served with the same line as a warning, and
// stored with received as the start of its lifetime: the next request
// renews it only once a quarter of what it had on arrival is left, rather
// than exchanging again on every request for a token that would arrive
// just as short.
func (m *Manager) checkArrival(address string, t *Token, received, serverDate time.Time) (string, error) {
	stored := t.Value
	if isOpaque(t.Value) {
		stored = platform.WithTimes(t.Value, t.IssuedAt, t.Expiry)
	}
	if t.InvalidExpiry {
		return "", fmt.Errorf("the token Package Manager at %s just issued has an exp claim that is not a valid time, so it counts as expired; tell the Package Manager administrator", address)
	}
	if t.Expiry.IsZero() {
		return stored, nil
	}
	left := t.Expiry.Sub(received)
	if left >= Margin(*t, 0) {
		return stored, nil
	}
	cause := arrivalCause(address, *t, received, serverDate)
	if left <= 0 {
		return "", errors.New(cause)
	}
	m.warn(cause)
	t.IssuedAt = received
	return platform.WithTimes(t.Value, received, storedExpiry(*t)), nil
}

// isOpaque reports whether tok is not a JWT whose claims this program
// reads (its expiry then lives only in the store's envelope).
func isOpaque(tok string) bool {
	_, err := oauth.ParseClaims(tok)
	return err != nil
}

// storedExpiry is the expiry the envelope must carry for t: an opaque
// token's (a JWT carries its own).
func storedExpiry(t Token) time.Time {
	if isOpaque(t.Value) {
		return t.Expiry
	}
	return time.Time{}
}

// arrivalCause is the one line for a token that arrived expired or with
// less than the minimum left: what happened, and the likely cause. The
// clock is to blame when the server's Date (or, without one, the token's
// iat) is more than a minute from this machine's time; otherwise the
// server issues tokens that live too short.
func arrivalCause(address string, t Token, received, serverDate time.Time) string {
	left := t.Expiry.Sub(received)
	what := fmt.Sprintf("the token Package Manager at %s just issued has already expired (%s ago) by this machine's clock", address, (-left).Round(time.Second))
	if left > 0 {
		what = fmt.Sprintf("the token Package Manager at %s just issued has only %s left by this machine's clock", address, left.Round(time.Second))
	}
	stamp := func(x time.Time) string { return x.UTC().Format("2006-01-02 15:04:05 UTC") }
	theirs, said := serverDate, "the server's Date header says"
	if theirs.IsZero() {
		theirs, said = t.IssuedAt, "the token says it was issued at"
	}
	if !theirs.IsZero() {
		if skew := received.Sub(theirs); skew.Abs() > maxArrivalSkew {
			dir := "ahead of"
			if skew < 0 {
				dir = "behind"
			}
			return fmt.Sprintf("%s, %s; %s %s: this machine's clock looks %s %s the server's — correct whichever clock is wrong (e.g. enable NTP), or every request asks for a new token",
				what, stamp(received), said, stamp(theirs), skew.Abs().Round(time.Second), dir)
		}
	}
	life := "tokens that expire as they are issued"
	switch {
	case t.IssuedAt.IsZero():
		life = fmt.Sprintf("tokens with no issue time and %s to live", max(left, 0).Round(time.Second))
	case t.Expiry.After(t.IssuedAt):
		life = "tokens that live only " + t.Expiry.Sub(t.IssuedAt).Round(time.Second).String()
	}
	return fmt.Sprintf("%s: the server issues %s, and the clocks agree; ask the Package Manager administrator to lengthen the token lifetime", what, life)
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
