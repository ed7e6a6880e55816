package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/clients"
	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// doctor URL's look at the server: a real request to the URL with the
// token that would be served, and the certificate chain the server shows
// when a CA variable is in force.

// checkRequest sends one GET to the URL with the token and says what the
// answer means. The URL is under a configured address (checkAddress), so
// the token goes nowhere else; the HTTP client follows redirects only
// within that origin.
func (d *urlDoctor) checkRequest(ctx context.Context, t *clients.Target, tok tokens.Token) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	bare := *t.URL
	bare.User = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, bare.String(), nil)
	if err != nil {
		d.bad("request", "check the URL", "%s", oauth.ErrorText(err))
		return
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("__token__:"+tok.Value)))
	resp, err := d.e.httpClient().Do(req)
	if err != nil {
		var proxyErr *oauth.ProxyError
		switch {
		case tlsFailure(t.Address, err) != "":
			d.bad("request", caVariablesFix(d.e.getenv), "%s; certificate settings in force: %s", tlsFailure(t.Address, err), caVariables(d.e.getenv))
		case errors.As(err, &proxyErr):
			d.bad("request", "check HTTPS_PROXY/NO_PROXY", "%v", proxyErr)
		default:
			d.bad("request", "check the address, VPN or proxy", "%s is not reachable (%s)", bare.Host, oauth.ErrorText(err))
		}
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	who := "the identity " + tok.Subject
	if tok.Subject == "" {
		who = "the token's identity"
	}
	repo := repositorySegment(t.Address, bare.Path)
	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)) // never the server's own words
	switch code := resp.StatusCode; {
	case code >= 200 && code < 400:
		d.ok("request", "GET %s with the token: %s", bare.String(), status)
	case code == 401:
		d.bad("request", "git-credential-ppm login "+t.Address.Raw+" (if it stays 401, ask the Package Manager administrator about "+who+"'s access)",
			"GET %s with the token: %s — the server refused the token (expired, revoked, or issued by another server)", bare.String(), status)
	case code == 403:
		d.bad("request", "ask the Package Manager administrator to give "+who+" access to the repository "+repo,
			"GET %s with the token: %s — the token is valid but %s has no access to the repository %s", bare.String(), status, who, repo)
	case code == 404:
		d.bad("request", "check the repository name "+repo+" in the URL against the list in Package Manager's web page at "+t.Address.Raw,
			"GET %s with the token: %s — there is no repository %s at %s (the first path segment after the address), or nothing at that path in it", bare.String(), status, repo, t.Address.Raw)
	default:
		d.bad("request", "try again later; if it persists, tell the Package Manager administrator",
			"GET %s with the token: %s", bare.String(), status)
	}
}

// repositorySegment is the first path segment after the address's path:
// Package Manager's repository name.
func repositorySegment(a protocol.Address, p string) string {
	rest := strings.TrimPrefix(p, a.Path)
	seg, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	if seg == "" {
		return "(none: the URL names no repository)"
	}
	return fmt.Sprintf("%q", seg)
}

// serverChain reads the certificate chain the server presents, for the
// clients that trust other authorities than this helper (uv takes
// SSL_CERT_FILE instead of the system's). Only when such a variable is
// set, never through a proxy, and only a TLS handshake: nothing is sent.
func (d *urlDoctor) serverChain(ctx context.Context, t *clients.Target) []*x509.Certificate {
	if t.URL.Scheme != "https" || (d.e.getenv("SSL_CERT_FILE") == "" && d.e.getenv("SSL_CERT_DIR") == "") {
		return nil
	}
	if p, err := oauth.ProxyFor(d.e.getenv, t.Address.Raw); err != nil || p != nil {
		return nil
	}
	hostport := t.URL.Host
	if t.URL.Port() == "" {
		hostport = net.JoinHostPort(t.URL.Hostname(), "443")
	}
	dialer := tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 10 * time.Second},
		// The chain is only read here; the client's rule verifies it
		// against the authorities that client trusts.
		Config: &tls.Config{ServerName: t.URL.Hostname(), InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := dialer.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates
}

// caSettings are the variables that decide which certificate authorities
// TLS trusts here.
var caSettings = []string{"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"}

// caVariables names the CA variables in force, with their values.
func caVariables(getenv func(string) string) string {
	var set []string
	for _, v := range caSettings {
		if x := getenv(v); x != "" {
			set = append(set, v+"="+x)
		}
	}
	if len(set) == 0 {
		return "none of " + strings.Join(caSettings, ", ") + " is set (the system's authorities only)"
	}
	return strings.Join(set, ", ")
}

// caVariablesFix is what to do about a certificate this machine does not trust.
func caVariablesFix(getenv func(string) string) string {
	for _, v := range caSettings {
		if x := getenv(v); x != "" {
			return "make sure " + x + " (" + v + ") holds your organisation's certificate authority in PEM"
		}
	}
	return "export SSL_CERT_FILE=/path/to/your-ca.pem (your organisation's certificate authority in PEM)"
}
