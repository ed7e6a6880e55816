// Package httpc is the small HTTP/1.1 client the helper's few network
// requests use (a login, the token exchange, GitHub's identity token,
// doctor) instead of net/http, whose package initialisation and linked
// code every `get` answered from the store would otherwise pay for.
//
// One request per connection: no keep-alive, no HTTP/2, no compression.
// TLS through crypto/tls (TLS 1.2 or later), proxies from HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY as Go's net/http reads them (CONNECT for https,
// the absolute form for http, SOCKS5 with or without a user name and
// password for both), redirects under the caller's policy, and
// deadlines from the context and Timeout on the connection itself, so no
// read or write outlives them.
package httpc

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"sync"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// UserAgent is sent with every request: the value net/http sent before,
// so servers and proxies that match on it see no change.
const UserAgent = "Go-http-client/1.1"

// defaultMaxRedirects bounds redirects when CheckRedirect is nil.
const defaultMaxRedirects = 10

// Client sends requests. The zero value is usable: the system's roots, no
// proxy, no timeout beyond the context's, at most 10 redirects.
type Client struct {
	// Timeout bounds a whole request, reading the body included; zero
	// means none beyond the context's deadline.
	Timeout time.Duration
	// Getenv reads HTTPS_PROXY, HTTP_PROXY, NO_PROXY (and their lower-case
	// forms) at the first request; nil means no proxy.
	Getenv func(string) string
	// RootCAs returns the certificate authorities TLS trusts; it is called
	// once, at the first request. nil (or a nil pool) means the system's.
	// Its error ends every request, as is.
	RootCAs func() (*x509.CertPool, error)
	// CheckRedirect, when not nil, is asked before following a redirect,
	// with the new request and those made so far (the first one first);
	// its error ends the request, as is.
	CheckRedirect func(req *Request, via []*Request) error
	// Trace, when not nil, gets one line per request sent (method, URL
	// without query, status or error, time taken) and one naming the
	// proxy that carries it. Headers and bodies are never traced.
	Trace func(format string, args ...any)

	once  sync.Once
	roots *x509.CertPool
	err   error
	proxy func(*url.URL) (*url.URL, error)
}

// Request is one request to send.
type Request struct {
	Method string // GET when empty
	URL    *url.URL
	// Header holds the request's own fields; Host, User-Agent and
	// Content-Length are set by the client.
	Header textproto.MIMEHeader
	Body   []byte
}

// NewRequest returns a request for method and rawURL with an empty header.
func NewRequest(method, rawURL string, body []byte) (*Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s://%s is not an http(s) URL", u.Scheme, u.Host)
	}
	return &Request{Method: method, URL: u, Header: textproto.MIMEHeader{}, Body: body}, nil
}

// Response is an answer. Its Body must be closed; it reads from the
// connection, under the request's deadline.
type Response struct {
	StatusCode int
	// Status is the status line after the version, e.g. "200 OK".
	Status string
	Header textproto.MIMEHeader
	// ContentLength is the announced length of Body, or -1 when unknown
	// (chunked, or read until the server closes).
	ContentLength int64
	Body          io.ReadCloser
	// Request is the request this answers (the last one after redirects).
	Request *Request
}

// Do sends req and returns the answer, following redirects as
// CheckRedirect allows. When ctx ends first, the error wraps ctx.Err().
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("a request needs a URL")
	}
	c.once.Do(c.setup)
	if c.err != nil {
		return nil, c.err
	}
	ctx, cancel := ctx, context.CancelFunc(func() {})
	if c.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
	}
	var via []*Request
	for {
		resp, err := c.send(ctx, req)
		if err != nil {
			cancel()
			return nil, err
		}
		next, err := c.redirect(resp, req, via)
		if err != nil || next == nil {
			if err != nil {
				resp.Body.Close()
				cancel()
				return nil, err
			}
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}
		resp.Body.Close()
		via = append(via, req)
		req = next
	}
}

func (c *Client) setup() {
	if c.RootCAs != nil {
		c.roots, c.err = c.RootCAs()
	}
	c.proxy = proxyFunc(c.Getenv)
}

// send makes one round trip and traces it.
func (c *Client) send(ctx context.Context, req *Request) (*Response, error) {
	start := time.Now()
	resp, err := c.roundTrip(ctx, req)
	if c.Trace != nil {
		where := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			c.Trace("%s %s: %v (%s)", req.method(), where, err, took)
		} else {
			c.Trace("%s %s: %s (%s)", req.method(), where, resp.Status, took)
		}
	}
	return resp, err
}

// redirect returns the request a redirect answer asks for, nil when resp is
// not a redirect to follow.
func (c *Client) redirect(resp *Response, req *Request, via []*Request) (*Request, error) {
	switch resp.StatusCode {
	case 301, 302, 303, 307, 308:
	default:
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil // nothing to follow: the answer is the answer
	}
	to, err := req.URL.Parse(loc)
	if err != nil || (to.Scheme != "http" && to.Scheme != "https") || to.Host == "" {
		return nil, fmt.Errorf("%s://%s%s answered a redirect to a location that is not an http(s) URL", req.URL.Scheme, req.URL.Host, req.URL.Path)
	}
	to.Fragment = ""
	next := &Request{Method: req.method(), URL: to, Header: textproto.MIMEHeader{}, Body: req.Body}
	if resp.StatusCode <= 303 && next.Method != "HEAD" {
		next.Method, next.Body = "GET", nil
	}
	keep := SameOrigin(to, req.URL)
	for k, vs := range req.Header {
		switch textproto.CanonicalMIMEHeaderKey(k) {
		case "Authorization", "Cookie", "Proxy-Authorization":
			if !keep {
				continue // credentials are for the origin they were meant for
			}
		case "Content-Type":
			if next.Body == nil {
				continue
			}
		}
		next.Header[k] = append([]string(nil), vs...)
	}
	all := append(via[:len(via):len(via)], req)
	if c.CheckRedirect != nil {
		if err := c.CheckRedirect(next, all); err != nil {
			return nil, err
		}
	} else if len(all) > defaultMaxRedirects {
		return nil, fmt.Errorf("stopped after %d redirects", defaultMaxRedirects)
	}
	return next, nil
}

// SameOrigin reports whether a and b have the same scheme, host and port
// (the scheme's default when absent), hosts compared in ASCII case only as
// everywhere in the helper: http://h:443 is not https://h, so a downgrade to
// plain http loses the credentials as a new host does.
func SameOrigin(a, b *url.URL) bool {
	return addr.EqualFoldASCII(a.Scheme, b.Scheme) && addr.EqualFoldASCII(hostPort(a), hostPort(b))
}

func (r *Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

// cancelOnClose releases the request's timeout when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
