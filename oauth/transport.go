package oauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// The one HTTP client of the helper (Package Manager's endpoints, GitHub's
// identity request, doctor) is a net/http Client built here and injected
// where it is needed. Its limits:
const (
	// requestTimeout bounds one request, reading the answer included.
	requestTimeout = 30 * time.Second
	// dialTimeout and tlsTimeout bound connecting and the TLS handshake.
	dialTimeout = 10 * time.Second
	tlsTimeout  = 10 * time.Second
	// maxHeader bounds an answer's status line and header.
	maxHeader = 1 << 20
	// maxAnswer bounds an answer's body, after any gzip is undone: no
	// answer we read comes near it.
	maxAnswer = 1 << 20
	// maxRedirects bounds same-origin redirects.
	maxRedirects = 5
)

// NewHTTPClient is NewHTTPClientEnv(os.Getenv).
func NewHTTPClient() *http.Client {
	return NewHTTPClientEnv(os.Getenv)
}

// NewHTTPClientEnv is NewHTTPClientTraced without a trace.
func NewHTTPClientEnv(getenv func(string) string) *http.Client {
	return NewHTTPClientTraced(getenv, nil)
}

// NewHTTPClientTraced returns the client the helper sends its requests
// with, reading its settings through getenv at the first request (a
// command answered from the store pays nothing for them):
//
//   - TLS 1.2 or later, trusting the system's certificate authorities with
//     those of SSL_CERT_FILE, SSL_CERT_DIR and REQUESTS_CA_BUNDLE added
//     (LoadRoots; a variable that cannot be used fails every request);
//   - proxies from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (and
//     their lower-case forms) as Go's net/http reads them, http, https,
//     socks5 and socks5h ones (proxySettings);
//   - a deadline of 30 s per request, the answer's body included, 10 s to
//     connect and 10 s for the TLS handshake; an answer's header of at most
//     1 MiB, its body of at most 1 MiB (after gzip);
//   - redirects followed only to the origin (scheme, host, port) of the
//     first request, at most 5: a token or an identity token never goes to
//     another host, nor over plain http after a redirect;
//   - a request whose target has a space or a control character is
//     refused before anything is sent (net/http refuses control characters
//     in header values itself).
//
// With trace not nil it reports the certificate authorities trusted
// (once), the proxy that carries each request, and each request's method,
// URL without query, and status or error. Proxy passwords appear in
// neither the trace nor errors.
func NewHTTPClientTraced(getenv func(string) string, trace func(format string, args ...any)) *http.Client {
	return &http.Client{
		Transport:     &transport{getenv: getenv, trace: trace},
		Timeout:       requestTimeout,
		CheckRedirect: sameOriginRedirects,
	}
}

// transport is the client's RoundTripper: a net/http Transport built at
// the first request, with the checks and limits above around it.
type transport struct {
	getenv func(string) string
	trace  func(format string, args ...any)

	once    sync.Once
	err     error
	base    *http.Transport
	proxies *proxySettings
}

func (t *transport) setup() {
	roots, err := LoadRoots(t.getenv)
	if err != nil {
		t.err = err
		return
	}
	t.tracef("TLS: trusting %s", roots.Describe())
	t.proxies = readProxySettings(t.getenv)
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	t.base = &http.Transport{
		Proxy:                  t.proxy,
		OnProxyConnectResponse: t.proxies.checkConnect,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: roots.Pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    tlsTimeout,
		ResponseHeaderTimeout:  requestTimeout,
		MaxResponseHeaderBytes: maxHeader,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4,
		IdleConnTimeout:        30 * time.Second,
	}
}

func (t *transport) tracef(format string, args ...any) {
	if t.trace != nil {
		t.trace(format, args...)
	}
}

// proxy is the Transport's Proxy: the proxy for req, traced.
func (t *transport) proxy(req *http.Request) (*url.URL, error) {
	p, err := t.proxies.forURL(req.URL)
	if p != nil {
		t.tracef("%s://%s goes through the proxy %s", req.URL.Scheme, req.URL.Host, p.Redacted())
	}
	return p, err
}

// RoundTrip sends req through the Transport built at the first request.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.once.Do(t.setup)
	if err := t.err; err != nil {
		closeBody(req)
		return nil, err
	}
	if err := checkTarget(req.URL); err != nil {
		closeBody(req)
		return nil, err
	}
	var connected atomic.Bool // the proxy, if any, gave a connection
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	}))
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	where := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		err = t.proxies.explain(req.URL, connected.Load(), err)
		t.tracef("%s %s: %s (%s)", req.Method, where, causeText(err), took)
		return nil, err
	}
	t.tracef("%s %s: %s (%s)", req.Method, where, statusText(resp.StatusCode), took)
	if resp.ContentLength > maxAnswer {
		resp.Body.Close()
		return nil, errAnswerTooLarge
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxAnswer}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// errAnswerTooLarge is an answer whose body is over maxAnswer.
var errAnswerTooLarge = errors.New("the answer is over 1 MiB")

// limitedBody reads an answer's body up to maxAnswer bytes; one byte more
// is errAnswerTooLarge.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errAnswerTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// checkTarget refuses a URL whose host or request target has a space or a
// control character: net/http refuses control characters in the target,
// but writes a space as it is (a redirect's Location with a space in its
// query would become a request line of four words). The error does not
// quote the URL.
func checkTarget(u *url.URL) error {
	if !onWireText(u.Host) || !onWireText(u.RequestURI()) {
		return fmt.Errorf("the URL for %s has a space or control character in its host or path; check the address it came from", u.Scheme)
	}
	return nil
}

// onWireText reports whether s is non-empty and has no space or control
// character (bytes of UTF-8 above 0x7f pass).
func onWireText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c == 0x7f {
			return false
		}
	}
	return s != ""
}

// statusText is a status code with its reason phrase from the standard,
// never the server's own (which may be 1 MiB of anything).
func statusText(code int) string {
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

// redirectError is a refused redirect.
type redirectError struct{ from, to *url.URL }

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect from %s://%s to %s://%s", e.from.Scheme, e.from.Host, e.to.Scheme, e.to.Host)
}

// sameOriginRedirects is the client's CheckRedirect: it follows only
// redirects to the origin (scheme, host, port) of the first request, and
// at most maxRedirects of them.
func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if !sameOrigin(first, req.URL) {
		return &redirectError{from: first, to: req.URL}
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (the scheme's default when absent), hosts compared in ASCII case only as
// everywhere in the helper: http://h:443 is not https://h, so a downgrade
// to plain http is refused as a new host is.
func sameOrigin(a, b *url.URL) bool {
	return addr.EqualFoldASCII(a.Scheme, b.Scheme) && addr.EqualFoldASCII(hostPort(a), hostPort(b))
}

// hostPort is u's host with its port, the scheme's default when absent.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// isTimeout reports a deadline: the request's, the context's, or a
// connection's.
func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
