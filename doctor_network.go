package main

import (
	"crypto/tls"
	"errors"

	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

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
	p, err := oauth.ProxyFor(a.Raw)
	switch {
	case err != nil:
		d.bad("%s: %v", a.Raw, err)
	case p != nil:
		d.note("%s: requests go through the proxy %s (from HTTPS_PROXY/HTTP_PROXY; list the host in NO_PROXY to go direct)", a.Raw, p.Redacted())
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
