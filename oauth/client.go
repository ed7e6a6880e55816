// Package oauth speaks Posit Package Manager's token endpoints: the OAuth
// 2.0 device authorization grant with PKCE (RFC 8628, RFC 7636), and the
// RFC 8693 token exchange that turns an identity token into a PPM token;
// it also decodes JWT claims.
//
// PPM's device_access endpoint answers an id_token rather than an
// access_token, so the polling is this package's own, as are the PKCE
// verifier and challenge (pkce.go); requests go through internal/httpc.
//
// Every failure is one sentence naming the endpoint and what to do, and no
// error text carries a token, an identity token, a device code or a PKCE
// verifier.
package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
	"github.com/posit-dev/git-credential-ppm/internal/httpc"
)

// Endpoint paths, below the configured address.
const (
	PathDevice       = "/__api__/device"
	PathDeviceAccess = "/__api__/device_access"
	PathToken        = "/__api__/token"
)

// Grant and token type names of RFC 8693.
const (
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeIDToken   = "urn:ietf:params:oauth:token-type:id_token"
)

// requestTimeout bounds one request of NewHTTPClient's client.
const requestTimeout = 30 * time.Second

// maxRedirects bounds same-origin redirects.
const maxRedirects = 5

// Client talks to one Package Manager. The zero value of each optional field
// is a production default; tests inject their own.
type Client struct {
	// BaseURL is the PPM address, e.g. https://ppm.example.com. A trailing
	// slash and a path prefix are allowed; plain http only to loopback.
	BaseURL string
	// HTTP sends the requests; nil means NewHTTPClient(). Whatever client is
	// given, redirects to another origin are refused.
	HTTP *httpc.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between polls; nil means a timer that returns ctx.Err()
	// as soon as ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewHTTPClient returns the client production code uses: a 30 s overall
// timeout per request, the system's TLS roots (TLS 1.2 or later) with the
// certificate authorities of SSL_CERT_FILE, SSL_CERT_DIR and
// REQUESTS_CA_BUNDLE added, proxy settings from the environment, and a
// redirect policy that refuses any redirect to another scheme, host or port
// (so no https→http downgrade either): codes and tokens only ever reach the
// configured server. It is NewHTTPClientEnv(os.Getenv).
func NewHTTPClient() *httpc.Client {
	return NewHTTPClientEnv(os.Getenv)
}

// redirectError is a refused redirect.
type redirectError struct{ from, to *url.URL }

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect from %s://%s to %s://%s", e.from.Scheme, e.from.Host, e.to.Scheme, e.to.Host)
}

// sameOriginRedirects is an httpc.Client CheckRedirect that follows only
// redirects to the origin (scheme, host, port) of the first request.
func sameOriginRedirects(req *httpc.Request, via []*httpc.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if !httpc.SameOrigin(first, req.URL) {
		return &redirectError{from: first, to: req.URL}
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		if err := c.Sleep(ctx, d); err != nil {
			return err
		}
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// httpClient is c.HTTP (or the default) with the same-origin redirect
// policy in front of its own.
func (c *Client) httpClient() *httpc.Client {
	if c.HTTP == nil {
		return NewHTTPClient()
	}
	own := c.HTTP
	return &httpc.Client{
		Timeout: own.Timeout,
		Getenv:  own.Getenv,
		RootCAs: own.RootCAs,
		Trace:   own.Trace,
		CheckRedirect: func(req *httpc.Request, via []*httpc.Request) error {
			if err := sameOriginRedirects(req, via); err != nil {
				return err
			}
			if own.CheckRedirect != nil {
				return own.CheckRedirect(req, via)
			}
			return nil
		},
	}
}

// endpointURL joins the base address and an endpoint path, refusing
// addresses tokens must not be sent to.
func (c *Client) endpointURL(path string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(c.BaseURL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("the Package Manager address %q is not an http(s) URL; set PACKAGEMANAGER_ADDRESS to e.g. https://ppm.example.com", redactedAddress(c.BaseURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("the Package Manager address %s must not contain a user name or password; remove them from PACKAGEMANAGER_ADDRESS", redactedAddress(c.BaseURL))
	}
	if u.Scheme == "http" && !addr.IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing to send codes and tokens over plain http to %s; use its https:// address in PACKAGEMANAGER_ADDRESS", u.Host)
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// redactedAddress shows an address without any userinfo.
func redactedAddress(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "…@" + s[i+1:]
		}
		return s
	}
	if u.User != nil {
		u.User = url.User("…")
	}
	return u.String()
}

// post sends a form to an endpoint and reads the answer (at most maxBody+1
// bytes of it). Its errors are about reaching the server; interpreting the
// answer is answer's job. When ctx ends, the error is ctx.Err().
func (c *Client) post(ctx context.Context, path string, form url.Values) (answer, error) {
	u, err := c.endpointURL(path)
	if err != nil {
		return answer{}, err
	}
	req := &httpc.Request{Method: "POST", URL: u, Header: textproto.MIMEHeader{}, Body: []byte(form.Encode())}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := c.httpClient()
	resp, err := hc.Do(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		return answer{}, transportError(u, hc.Timeout, err)
	}
	defer resp.Body.Close()
	a := answer{endpoint: path, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	if resp.ContentLength > maxBody {
		a.oversize = true // refused by decode, unread
		return a, nil
	}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		if isTimeout(err) {
			return answer{}, fmt.Errorf("%s stopped answering midway (no data within %s); check the network and any proxy, then try again", path, timeoutText(hc.Timeout))
		}
		return answer{}, fmt.Errorf("%s's answer was cut off (%s); check the network and any proxy, then try again", path, causeText(err))
	}
	return a, nil
}

// transportError turns a failure to get an answer into one sentence. It
// never uses the URL's query nor anything sent.
func transportError(u *url.URL, timeout time.Duration, err error) error {
	var re *redirectError
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var ca *CAError
	var proxy *httpc.ProxyError
	where := u.Scheme + "://" + u.Host
	switch {
	case errors.As(err, &ca):
		return ca
	case errors.As(err, &re):
		return fmt.Errorf("%s redirected to %s://%s; refused, because codes and tokens are only sent to the configured address: set PACKAGEMANAGER_ADDRESS to the address Package Manager is served at", u.Path, re.to.Scheme, re.to.Host)
	case errors.As(err, &proxy): // it names the proxy and says what to do
		return fmt.Errorf("could not reach %s for %s: %w", where, u.Path, proxy)
	case isTimeout(err):
		return fmt.Errorf("%s gave no answer within %s; check that %s is up and reachable (network, VPN, proxy), then try again", u.Path, timeoutText(timeout), where)
	case isConnRefused(err):
		return fmt.Errorf("could not connect to %s for %s (connection refused); check PACKAGEMANAGER_ADDRESS and that Package Manager is running", where, u.Path)
	case errors.As(err, &dns):
		return fmt.Errorf("could not find the host %s for %s; check PACKAGEMANAGER_ADDRESS and the network", u.Hostname(), u.Path)
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return fmt.Errorf("could not verify the TLS certificate of %s for %s (%s); if your organisation uses its own certificate authority or a TLS-inspecting proxy, point SSL_CERT_FILE or REQUESTS_CA_BUNDLE at its certificate (PEM), or SSL_CERT_DIR at a directory of them: they are added to the system's", where, u.Path, causeText(err))
	}
	return fmt.Errorf("could not reach %s for %s (%s); check PACKAGEMANAGER_ADDRESS and the network", where, u.Path, causeText(err))
}

// wsaeconnrefused is Windows' "connection refused" (WSAECONNREFUSED), which
// is not syscall.ECONNREFUSED there.
const wsaeconnrefused = 10061

func isConnRefused(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &errno) && errno == wsaeconnrefused
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func timeoutText(d time.Duration) string {
	if d <= 0 {
		return "the time allowed"
	}
	return d.String()
}

// causeText is a transport error's text, kept to one short line.
func causeText(err error) string {
	return cleanText(err.Error(), nil, 200)
}
