package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// checkIdentity says which identity source the next login uses, gets its
// token as a login would (reads the file, fetches GitHub's) and shows the
// token's claims — issuer, audience, subject, time left — which is what an
// administrator compares with Package Manager's IdentityFederation. The
// token itself is never shown.
func (d *doctor) checkIdentity(ctx context.Context) {
	src := tokens.IdentityFromEnv(d.e.getenv, d.e.httpClient())
	if src == nil {
		d.note("identity: no CI identity token configured; a login runs the device flow in the browser")
		for _, name := range tokens.ForeignIdentityFiles {
			if d.e.getenv(name) != "" {
				d.note("identity: %s is set, but the token there is minted for another audience and is never used; for Package Manager, project a token with its audience and set PACKAGEMANAGER_IDENTITY_TOKEN_FILE to it (docs/ci.md, Kubernetes)", name)
			}
		}
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := tokens.PeekIdentity(ctx, src, true)
	if err != nil {
		d.bad("identity: %v", err)
		return
	}
	claims := identityClaimsText(c)
	switch left := c.Expiry.Sub(d.now()); {
	case c.Expiry.IsZero():
		d.ok("identity: the next login uses the %s (%s, no expiry)", src.Describe(), claims)
	case left <= 0:
		d.bad("identity: the token from the %s expired %s ago (%s); CI must provide a fresh one before each step that needs Package Manager", src.Describe(), (-left).Round(time.Second), claims)
	default:
		d.ok("identity: the next login uses the %s (%s, %s left)", src.Describe(), claims, left.Round(time.Second))
	}
}

// identityClaimsText is an identity token's issuer, audience and subject
// for a person, escaped.
func identityClaimsText(c tokens.IdentityClaims) string {
	esc := termtext.Escape
	return "issuer " + esc(c.Issuer) + ", audience " + esc(strings.Join(c.Audience, " ")) + ", subject " + esc(c.Subject)
}

// checkTrust says which certificate authorities TLS connections trust:
// the system's, plus those of SSL_CERT_FILE, SSL_CERT_DIR and
// REQUESTS_CA_BUNDLE.
func (d *doctor) checkTrust() {
	roots, err := oauth.LoadRoots(d.e.getenv)
	if err != nil {
		d.bad("certificates: %v", err)
		return
	}
	d.ok("certificates: trusting %s", roots.Describe())
}

// checkProxy says when a proxy carries the requests to a.
func (d *doctor) checkProxy(a protocol.Address) {
	p, err := oauth.ProxyFor(d.e.getenv, a.Raw)
	switch {
	case err != nil:
		d.bad("%s: %v", a.Raw, err)
	case p != nil:
		d.note("%s: requests go through the proxy %s (from HTTPS_PROXY, HTTP_PROXY or ALL_PROXY; list the host in NO_PROXY to go direct)", a.Raw, p.Redacted())
	}
}

// tlsFailure is the doctor's line for a request to a that failed on its
// certificate or on the certificate settings, or "" for other failures.
func tlsFailure(a protocol.Address, err error) string {
	var certErr *tls.CertificateVerificationError
	var caErr *oauth.CAError
	switch {
	case errors.As(err, &caErr):
		return a.Raw + ": " + caErr.Error()
	case errors.As(err, &certErr):
		return a.Raw + ": TLS certificate not trusted (" + certErr.Err.Error() + "); if your organisation uses its own certificate authority or a TLS-inspecting proxy, point SSL_CERT_FILE or REQUESTS_CA_BUNDLE at its certificate (PEM), or SSL_CERT_DIR at a directory of them"
	}
	return ""
}
