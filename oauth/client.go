// Package oauth speaks Posit Package Manager's token endpoints: the OAuth
// 2.0 device authorization grant with PKCE (RFC 8628, RFC 7636), and the
// RFC 8693 token exchange that turns an identity token into a PPM token;
// it also decodes JWT claims.
//
// The device authorization request, its PKCE verifier and challenge, and
// the OAuth error type are golang.org/x/oauth2's. PPM's device_access
// endpoint answers an id_token without an access_token, which x/oauth2's
// DeviceAccessToken refuses, and x/oauth2 has no RFC 8693 exchange: the
// polling and the exchange are this package's own, posting through the
// same net/http client (transport.go builds it).
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
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
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

// Client talks to one Package Manager. The zero value of each optional field
// is a production default; tests inject their own.
type Client struct {
	// BaseURL is the PPM address, e.g. https://ppm.example.com. A trailing
	// slash and a path prefix are allowed; plain http only to loopback.
	BaseURL string
	// HTTP sends the requests; nil means NewHTTPClient(). Whatever client is
	// given, redirects to another origin are refused.
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Notice, when not nil, is told once per login, in one line, that
	// polling goes on despite a failure (a 5xx, a timeout, a dropped
	// connection).
	Notice func(msg string)
	// Sleep waits between polls; nil means a timer that returns ctx.Err()
	// as soon as ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
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
func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return NewHTTPClient()
	}
	own := *c.HTTP
	policy := c.HTTP.CheckRedirect
	own.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := sameOriginRedirects(req, via); err != nil {
			return err
		}
		if policy != nil {
			return policy(req, via)
		}
		return nil
	}
	return &own
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, fmt.Errorf("could not make the request for %s (%s); check PACKAGEMANAGER_ADDRESS", path, causeText(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := c.httpClient()
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		return answer{}, transportError(u, hc.Timeout, err)
	}
	defer resp.Body.Close()
	a := answer{endpoint: path, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), date: resp.Header.Get("Date")}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return answer{}, ctx.Err()
	case errors.Is(err, errAnswerTooLarge):
		a.oversize = true // refused by decode
	default:
		return answer{}, readError(u, hc.Timeout, err)
	}
	return a, nil
}

// readError says why an answer's body could not be read to its end.
func readError(u *url.URL, timeout time.Duration, err error) error {
	if isTimeout(err) {
		return &reachError{retry: true, err: err, msg: fmt.Sprintf("%s's answer was still incomplete after %s; check the network and any proxy, then try again", u.Path, durationText(timeout))}
	}
	return &reachError{retry: true, err: err, msg: fmt.Sprintf("%s's answer was cut off (%s); check the network and any proxy, then try again", u.Path, causeText(err))}
}

// reachError is a request that got no usable answer, in one sentence.
// retry says whether waiting and asking again may help: a timeout, a
// dropped or refused connection, an answer cut off.
type reachError struct {
	msg   string
	retry bool
	err   error
}

func (e *reachError) Error() string { return e.msg }
func (e *reachError) Unwrap() error { return e.err }

// transportError turns a failure to get an answer into a *reachError of
// one sentence. It never uses the URL's query nor anything sent: a
// *url.Error's own text (which quotes a redirect's whole Location) is left
// out.
func transportError(u *url.URL, timeout time.Duration, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var re *redirectError
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var ca *CAError
	var proxy *ProxyError
	where := u.Scheme + "://" + u.Host
	fail := func(retry bool, format string, args ...any) error {
		return &reachError{msg: fmt.Sprintf(format, args...), retry: retry, err: err}
	}
	switch {
	case errors.As(err, &ca):
		return ca
	case errors.As(err, &re):
		return fail(false, "%s redirected to %s://%s; refused, because codes and tokens are only sent to the configured address: set PACKAGEMANAGER_ADDRESS to the address Package Manager is served at", u.Path, re.to.Scheme, re.to.Host)
	case errors.Is(err, errAnswerTooLarge):
		return fail(false, "%s answered more than 1 MiB, which is not a Package Manager answer; check PACKAGEMANAGER_ADDRESS and any proxy", u.Path)
	case errors.As(err, &proxy): // it names the proxy and says what to do
		return fail(isTimeout(err), "could not reach %s for %s: %s", where, u.Path, proxy)
	case isTimeout(err):
		return fail(true, "%s gave no answer within %s; check that %s is up and reachable (network, VPN, proxy), then try again", u.Path, durationText(timeout), where)
	case isConnRefused(err):
		return fail(true, "could not connect to %s for %s (connection refused); check PACKAGEMANAGER_ADDRESS and that Package Manager is running", where, u.Path)
	case errors.As(err, &dns):
		return fail(dns.IsTemporary || dns.IsTimeout, "could not find the host %s for %s; check PACKAGEMANAGER_ADDRESS and the network", u.Hostname(), u.Path)
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return fail(false, "could not verify the TLS certificate of %s for %s (%s); if your organisation uses its own certificate authority or a TLS-inspecting proxy, point SSL_CERT_FILE or REQUESTS_CA_BUNDLE at its certificate (PEM), or SSL_CERT_DIR at a directory of them: they are added to the system's", where, u.Path, causeText(err))
	}
	// A connection reset or closed before the answer: a dropped
	// connection, worth another try.
	dropped := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	return fail(dropped, "could not reach %s for %s (%s); check PACKAGEMANAGER_ADDRESS and the network", where, u.Path, causeText(err))
}

// Retryable reports whether err is a failure to reach the server that
// waiting and asking again may cure: no answer in time, a refused or
// dropped connection, an answer cut off.
func Retryable(err error) bool {
	var re *reachError
	return errors.As(err, &re) && re.retry
}

// wsaeconnrefused is Windows' "connection refused" (WSAECONNREFUSED), which
// is not syscall.ECONNREFUSED there.
const wsaeconnrefused = 10061

func isConnRefused(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &errno) && errno == wsaeconnrefused
}

// durationText is a timeout for a person: "30 s", or "100ms" for what is
// not whole seconds.
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return "the time allowed"
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// ErrorText is a transport error's text as one short printable line,
// without the request's URL: an error of net/http may quote a redirect's
// whole Location, or up to 1 MiB of what a server sent.
func ErrorText(err error) string { return causeText(err) }

func causeText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return cleanText(err.Error(), nil, 200)
}
