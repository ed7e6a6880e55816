// Package tokens turns "a token for address X" into one: from the store when
// the stored token is not close to expiry, otherwise under a per-address
// cross-process lock by exchanging an identity token (CI) or running the
// device flow (a person), then storing the result (docs/contract.md §3).
package tokens

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/platform"
)

// ErrLoginRequired is returned when no usable token exists and no login may
// start (PPM_CREDENTIAL_INTERACTIVE=never, GIT_TERMINAL_PROMPT=0, or nobody
// can be reached).
var ErrLoginRequired = errors.New("login required")

// loginRequired is an ErrLoginRequired that reads as its own sentence.
type loginRequired struct{ msg string }

func (e *loginRequired) Error() string        { return e.msg }
func (e *loginRequired) Is(target error) bool { return target == ErrLoginRequired }

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
	// InvalidExpiry: the token's exp claim is not a valid time, so it is
	// treated as expired.
	InvalidExpiry bool
}

// LoginCode is what a person needs to approve a device login: where to go
// and which code to enter. It holds no secret.
type LoginCode struct {
	UserCode                string    // shown to the person
	VerificationURI         string    // where the person enters UserCode
	VerificationURIComplete string    // VerificationURI with the code filled in; may be empty
	ExpiresAt               time.Time // when the code expires; zero: unknown
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
	ShowCode(ctx context.Context, address string, code LoginCode)
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
	// for valid tokens that pak, rspm or posit-keyring wrote (docs/contract.md §3.3).
	Shared platform.Store
	// StaticToken (PACKAGEMANAGER_TOKEN) is served as is, never stored.
	StaticToken string
	// Identity, when not nil, gives the identity token to exchange instead
	// of a device flow (CI); it is asked again for every exchange.
	Identity IdentitySource
	// IdentityTokenFile (PACKAGEMANAGER_IDENTITY_TOKEN_FILE) is used as an
	// IdentityFile when Identity is nil.
	IdentityTokenFile string
	// Interactive allows a device flow. When false, logins that need a
	// person fail at once with ErrLoginRequired.
	Interactive bool
	// NotInteractive names the setting that turned logins off (e.g.
	// "GIT_TERMINAL_PROMPT=0"), for the message when Interactive is false.
	NotInteractive string
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

// New returns what is known about a token value, decoding its JWT claims
// when it is one; an opaque token is valid until rejected. A JWT whose exp
// claim is not a valid time (a string, a boolean, negative, absurd) is
// expired: "never expires" would serve it forever.
//
// value may be a token in the store's envelope (platform.WithTimes): an
// opaque token keeps the expiry and issue time it was issued with
// (expires_in), and a token whose own iat this machine's clock disagreed
// with keeps the time it arrived here, the start of its lifetime for Fresh.
func New(value string, src Source) Token {
	value, issued, stored := platform.SplitTimes(value)
	t := Token{Value: value, Source: src, Expiry: stored, IssuedAt: issued}
	c, err := oauth.ParseClaims(value)
	switch {
	case err == nil:
		t.Subject = c.Subject
		if t.IssuedAt.IsZero() {
			t.IssuedAt = c.IssuedAt
		}
		if !c.Expiry.IsZero() {
			t.Expiry = c.Expiry
		}
	case errors.Is(err, oauth.ErrInvalidExpiry):
		t.Expiry, t.Subject, t.InvalidExpiry = invalidExpiry, c.Subject, true
	}
	return t
}

// invalidExpiry is the expiry given to a token whose exp claim is not a
// valid time: long past.
var invalidExpiry = time.Unix(1, 0).UTC()

// RenewWithin is the most time left at which a stored token is renewed
// before it is served: pip and uv keep the credential they got for the
// whole run, so a token handed out must outlive a long install (uv renews
// its own registry tokens with 5 minutes left). A token whose lifetime is
// known needs only a quarter of it (docs/contract.md §3).
const RenewWithin = 5 * time.Minute

// Margin is how much time t must have left to be served without renewal:
// min(5 min, a quarter of its lifetime exp − iat), or 5 min when the
// lifetime is unknown; at least minValidity (exec asks for 10 minutes).
func Margin(t Token, minValidity time.Duration) time.Duration {
	margin := RenewWithin
	if !t.IssuedAt.IsZero() && t.Expiry.After(t.IssuedAt) {
		margin = min(margin, t.Expiry.Sub(t.IssuedAt)/4)
	}
	return max(margin, minValidity)
}

// Fresh reports whether t may be served at now without renewal: it has no
// expiry, or at least Margin(t, minValidity) left.
func Fresh(t Token, now time.Time, minValidity time.Duration) bool {
	if t.Value == "" || t.InvalidExpiry {
		return false
	}
	if t.Expiry.IsZero() {
		return true
	}
	return t.Expiry.Sub(now) >= Margin(t, minValidity)
}

// Usable reports whether t still works at now, fresh or not: the token a
// request gets when it cannot be renewed. An expired token never is.
func Usable(t Token, now time.Time) bool {
	if t.Value == "" || t.InvalidExpiry {
		return false
	}
	return t.Expiry.IsZero() || now.Before(t.Expiry)
}
