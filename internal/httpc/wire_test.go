package httpc

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRequestHeadStaysOnItsLines: a method, header name, header value, host
// or target that would put a line break or control character on the wire
// (a request split in two, a header smuggled in) is refused before any
// byte is sent, with one line that does not quote the value.
func TestRequestHeadStaysOnItsLines(t *testing.T) {
	var mu sync.Mutex
	var got []string
	// The server notes the first bytes of a request and hangs up: a
	// request that went out is noted before its Do returns.
	u := rawServer(t, func(c net.Conn) {
		b := make([]byte, 4096)
		n, _ := c.Read(b)
		mu.Lock()
		got = append(got, string(b[:n]))
		mu.Unlock()
	})
	base := mustURL(u)
	const secret = "s3cr3t-token-value"
	cases := []struct {
		name string
		edit func(*Request)
	}{
		{"method", func(r *Request) { r.Method = "GET /x HTTP/1.1\r\nX-Evil: " + secret + "\r\n\r\nGET" }},
		{"method with a space", func(r *Request) { r.Method = "GET " + secret }},
		{"header name", func(r *Request) { r.Header["X\r\nEvil"] = []string{secret} }},
		{"header name with a colon", func(r *Request) { r.Header["X-Evil: "+secret+"\r\nY"] = []string{"1"} }},
		{"header value CRLF", func(r *Request) { r.Header.Set("Authorization", "Bearer "+secret+"\r\nX-Evil: 1") }},
		{"header value bare LF", func(r *Request) { r.Header.Set("Authorization", "Bearer "+secret+"\nX-Evil: 1") }},
		{"header value NUL", func(r *Request) { r.Header.Set("Authorization", "Bearer "+secret+"\x00") }},
		{"host", func(r *Request) { r.URL.Host = base.Host + "\r\nX-Evil: " + secret }},
		{"raw query", func(r *Request) { r.URL.RawQuery = "a=" + secret + " HTTP/1.1\r\nX-Evil: 1\r\n" }},
		{"opaque", func(r *Request) { r.URL.Opaque = "/x\r\nX-Evil: " + secret }},
	}
	for _, tc := range cases {
		v := *base
		req := &Request{Method: "GET", URL: &v, Header: textproto.MIMEHeader{}}
		tc.edit(req)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := (&Client{}).Do(ctx, req)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: sent", tc.name)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.ContainsAny(err.Error(), "\r\n") {
			t.Errorf("%s: the error quotes the value or spans lines: %q", tc.name, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Errorf("bytes reached the server: %q", got)
	}
	// What a header may hold still goes: a tab, and UTF-8.
	req, _ := NewRequest("GET", u, nil)
	req.Header.Set("X-Fine", "a\tb é")
	if err := checkRequest(req); err != nil {
		t.Errorf("a tab and UTF-8 in a value: %v", err)
	}
}

// TestRedirectSpaceInQuery: a redirect whose Location has a space in its
// query (which url.Parse lets through) is refused, not sent as a request
// line of four words.
func TestRedirectSpaceInQuery(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	u := rawServer(t, func(c net.Conn) {
		l, _ := bufio.NewReader(c).ReadString('\n')
		mu.Lock()
		lines = append(lines, l)
		mu.Unlock()
		io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /next?a b HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
	})
	if _, _, err := get(t, &Client{}, u); err == nil || !strings.Contains(err.Error(), "space or control character") {
		t.Errorf("err %v; want the redirect refused", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 {
		t.Errorf("requests %q; want only the first", lines)
	}
}

// TestRedirectCredentialsStayWithOrigin: Authorization, Cookie and
// Proxy-Authorization, however the caller spelt the names, follow a
// redirect only to the same scheme, host and port. An https server that
// redirects to plain http on its own host and port (one listener that
// speaks both) gets no credentials over plain text.
func TestRedirectCredentialsStayWithOrigin(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	defer ts.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	plain := make(chan string, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveBoth(c, ts.TLS, addr, plain)
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	c := &Client{RootCAs: func() (*x509.CertPool, error) { return pool, nil }}
	req, _ := NewRequest("GET", "https://"+addr+"/start", nil)
	req.Header["authorization"] = []string{"Bearer t"}
	req.Header.Set("Cookie", "c=1")
	req.Header["Proxy-Authorization"] = []string{"Basic p"}
	req.Header.Set("Accept", "application/json")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	head := <-plain
	for _, h := range []string{"authorization:", "cookie:", "proxy-authorization:"} {
		if strings.Contains(strings.ToLower(head), h) {
			t.Errorf("the downgrade to http://%s carried %s\n%s", addr, h, head)
		}
	}
	if !strings.Contains(head, "Accept: application/json") {
		t.Errorf("the other headers were lost:\n%s", head)
	}
	same := []struct{ a, b string }{{"https://h/", "https://H:443/x"}, {"http://h:80/", "http://h/"}}
	for _, s := range same {
		if !SameOrigin(mustURL(s.a), mustURL(s.b)) {
			t.Errorf("%s and %s: not the same origin", s.a, s.b)
		}
	}
	for _, s := range []struct{ a, b string }{{"https://h/", "http://h:443/"}, {"https://h/", "https://h:8443/"}, {"https://h/", "https://h.evil/"}, {"https://kk.test/", "https://\u212Ak.test/"}} { // Kelvin sign: folds to k in Unicode, not in DNS
		if SameOrigin(mustURL(s.a), mustURL(s.b)) {
			t.Errorf("%s and %s: the same origin", s.a, s.b)
		}
	}
}

// serveBoth answers TLS on c with a redirect to plain http on the same
// address, and plain http by sending its request head to plain.
func serveBoth(c net.Conn, cfg *tls.Config, addr string, plain chan<- string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	if first[0] == 0x16 { // a TLS handshake record
		tc := tls.Server(peeked{c, br}, cfg)
		readHead(tc)
		io.WriteString(tc, "HTTP/1.1 302 Found\r\nLocation: http://"+addr+"/plain\r\nContent-Length: 0\r\n\r\n")
		tc.Close()
		return
	}
	var head strings.Builder
	for {
		l, err := br.ReadString('\n')
		head.WriteString(l)
		if err != nil || l == "\r\n" {
			break
		}
	}
	plain <- head.String()
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
}

// peeked is a connection whose first bytes were peeked into r.
type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (p peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

// TestServerTextIsClipped: a status line or header line of up to 1 MiB
// (an echo, a binary protocol) ends in an error of one short line, and a
// reason phrase with control characters reaches Status tamed.
func TestServerTextIsClipped(t *testing.T) {
	long := strings.Repeat("A", 200<<10)
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\n" + long + "\r\n\r\n",
		"HTTP/1.1 500 " + long + "\r\nContent-Length: 0\r\n\r\n",
	} {
		u := rawServer(t, func(c net.Conn) { readHead(c); io.WriteString(c, answer) })
		resp, _, err := get(t, &Client{}, u)
		msg := ""
		switch {
		case err != nil:
			msg = err.Error()
		default:
			msg = resp.Status
		}
		if len(msg) > 300 || strings.Contains(msg, strings.Repeat("A", 100)) {
			t.Errorf("%d bytes of text from the server for %.30q…", len(msg), answer)
		}
	}
	u := rawServer(t, func(c net.Conn) {
		readHead(c)
		io.WriteString(c, "HTTP/1.1 403 No\x1b[2J\x07 way\r\nContent-Length: 0\r\n\r\n")
	})
	if resp, _, err := get(t, &Client{}, u); err != nil || resp.Status != "403 No?[2J? way" {
		t.Errorf("status %q, %v; want the control characters replaced", resp.Status, err)
	}
}
