package httpc

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// roundTrip sends one request on a new connection and reads the answer's
// head; the body is read from the connection as the caller reads it.
func (c *Client) roundTrip(ctx context.Context, req *Request) (*Response, error) {
	u := req.URL
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("unsupported protocol scheme %q", u.Scheme)
	}
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	proxy, err := c.proxy(u)
	if err != nil {
		return nil, err
	}
	if proxy != nil && c.Trace != nil {
		c.Trace("%s://%s goes through the proxy %s", u.Scheme, u.Host, proxy.Redacted())
	}
	conn, err := c.connect(ctx, u, proxy)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	closeAll := func() { stop(); conn.Close() }
	absolute := proxy != nil && u.Scheme == "http" && !isSOCKS(proxy)
	if _, err := conn.Write(requestBytes(req, absolute, proxy)); err != nil {
		closeAll()
		return nil, ctxErr(ctx, err)
	}
	resp, err := readResponse(conn, req)
	if err != nil {
		closeAll()
		return nil, ctxErr(ctx, err)
	}
	resp.Body = &connBody{r: resp.Body, close: closeAll, ctx: ctx}
	return resp, nil
}

// connect dials the server, or the proxy and through it the server, and
// speaks TLS to an https server. The connection's deadline is ctx's, and
// ctx's end closes it while the proxy is asked for the tunnel.
func (c *Client) connect(ctx context.Context, u, proxy *url.URL) (net.Conn, error) {
	target := hostPort(u)
	dialAddr := target
	if proxy != nil {
		dialAddr = hostPort(proxy)
	}
	var socksReq []byte
	if isSOCKS(proxy) {
		var err error
		if socksReq, err = socksRequest(target, proxy); err != nil {
			return nil, err
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", dialAddr)
	if err != nil {
		if proxy != nil {
			err = &ProxyError{Proxy: proxyName(proxy), Problem: "cannot be reached", Err: err,
				Fix: "check that it is running and that " + proxyVariable(u) + " names it, or list the host in NO_PROXY to go direct"}
		}
		return nil, ctxErr(ctx, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	fail := func(err error) (net.Conn, error) {
		conn.Close()
		return nil, ctxErr(ctx, err)
	}
	if proxy != nil {
		// A deadline is the connection's own (set above); a cancellation
		// closes it.
		raw := conn
		stop := context.AfterFunc(ctx, func() {
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				raw.Close()
			}
		})
		defer stop()
	}
	if proxy != nil && proxy.Scheme == "https" {
		tc, err := c.handshake(ctx, conn, proxy.Hostname())
		if err != nil {
			return fail(err)
		}
		conn = tc
	}
	switch {
	case isSOCKS(proxy):
		if err := socksConnect(conn, socksReq, target, proxy, proxyVariable(u)); err != nil {
			return fail(err)
		}
	case proxy != nil && u.Scheme == "https":
		if err := tunnel(conn, target, proxy); err != nil {
			return fail(err)
		}
	}
	if u.Scheme == "https" {
		tc, err := c.handshake(ctx, conn, u.Hostname())
		if err != nil {
			return fail(err)
		}
		conn = tc
	}
	return conn, nil
}

func (c *Client) handshake(ctx context.Context, conn net.Conn, serverName string) (net.Conn, error) {
	tc := tls.Client(conn, &tls.Config{ServerName: serverName, RootCAs: c.roots, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// tunnel asks an http proxy for a tunnel to target (CONNECT).
func tunnel(conn net.Conn, target string, proxy *url.URL) error {
	var b strings.Builder
	fmt.Fprintf(&b, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n", target, target, UserAgent)
	if auth := proxyAuth(proxy); auth != "" {
		b.WriteString("Proxy-Authorization: " + auth + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return fmt.Errorf("the proxy %s: %w", proxy.Redacted(), err)
	}
	// Read the answer byte by byte up to its blank line: what follows it is
	// the server's TLS, which must stay in the connection.
	br := bufio.NewReaderSize(&io.LimitedReader{R: oneByte{conn}, N: maxHeaderBytes}, 16)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return fmt.Errorf("the proxy %s did not answer CONNECT: %w", proxy.Redacted(), err)
	}
	code, status, err := parseStatusLine(line)
	if err != nil {
		return fmt.Errorf("the proxy %s answered CONNECT with %w", proxy.Redacted(), err)
	}
	if _, err := tp.ReadMIMEHeader(); err != nil {
		var pe textproto.ProtocolError
		if errors.As(err, &pe) {
			err = errors.New(clip(pe.Error())) // it quotes the line, which may be 1 MiB of anything
		}
		return fmt.Errorf("the proxy %s answered CONNECT with a malformed header: %w", proxy.Redacted(), err)
	}
	if code != 200 {
		return fmt.Errorf("the proxy %s refused the tunnel to %s: %s", proxy.Redacted(), target, status)
	}
	if br.Buffered() > 0 {
		return fmt.Errorf("the proxy %s sent data before the tunnel was open", proxy.Redacted())
	}
	return nil
}

// oneByte reads one byte at a time, so that a bufio.Reader over it never
// reads past what it is asked for.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func proxyAuth(proxy *url.URL) string {
	if proxy.User == nil {
		return ""
	}
	pw, _ := proxy.User.Password()
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(proxy.User.Username()+":"+pw))
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

// requestBytes is the request's head and body. absolute asks for the
// absolute form an http proxy needs.
func requestBytes(req *Request, absolute bool, proxy *url.URL) []byte {
	u := req.URL
	target := u.RequestURI()
	if absolute {
		v := *u
		v.User, v.Fragment = nil, ""
		target = v.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n", req.method(), target, u.Host, UserAgent)
	if m := req.method(); len(req.Body) > 0 || m == "POST" || m == "PUT" || m == "PATCH" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(req.Body)) + "\r\n")
	}
	if absolute {
		if auth := proxyAuth(proxy); auth != "" {
			b.WriteString("Proxy-Authorization: " + auth + "\r\n")
		}
	}
	for k, vs := range req.Header {
		switch textproto.CanonicalMIMEHeaderKey(k) {
		case "Host", "User-Agent", "Content-Length", "Connection", "Transfer-Encoding":
			continue // the client's own
		}
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\r\n") // checkRequest refused line breaks

		}
	}
	b.WriteString("\r\n")
	b.Write(req.Body)
	return []byte(b.String())
}

// checkRequest refuses a request whose head would not be what it says on
// the wire: a method or header name that is not an HTTP token, a control
// character (line breaks included) in the Host, the target or a header
// value. Any of them could come from a server (a redirect's Location, a
// verification URL, a token) and split the request or smuggle another
// one. The error names the part, never its value (it may hold a token).
func checkRequest(req *Request) error {
	if !isToken(req.method()) {
		return errors.New("the request's method is not an HTTP token; this is a bug in git-credential-ppm, please report it")
	}
	u := req.URL
	if !onWireText(u.Host) || !onWireText(u.RequestURI()) {
		return fmt.Errorf("the URL for %s has a space or control character in its host or path; check the address it came from", u.Scheme)
	}
	for k, vs := range req.Header {
		if !isToken(k) {
			return errors.New("the request has a header name that is not an HTTP token; this is a bug in git-credential-ppm, please report it")
		}
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
					return fmt.Errorf("the request's %s header has a control character in its value; check where that value came from", textproto.CanonicalMIMEHeaderKey(k))
				}
			}
		}
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

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if c >= 0x7f || c <= 0x20 || !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return s != ""
}

// ctxErr is err, or the context's error (wrapping err's text) when the
// context ended: a closed connection then reads as the cancellation.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !isDeadline(err) {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

func isDeadline(err error) bool {
	var ne net.Error
	return err != nil && errors.As(err, &ne) && ne.Timeout()
}

// connBody is an answer's body: reading past the context's end reports the
// context; Close closes the connection.
type connBody struct {
	r     io.ReadCloser
	close func()
	ctx   context.Context
	done  bool
}

func (b *connBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = ctxErr(b.ctx, err)
	}
	return n, err
}

func (b *connBody) Close() error {
	if !b.done {
		b.done = true
		b.close()
	}
	return nil
}
