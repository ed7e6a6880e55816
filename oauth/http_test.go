package oauth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/socks5test"
)

// The properties of the client NewHTTPClientTraced builds (net/http with
// our settings), each as a test against the real stack: credentials only to
// the same origin, no downgrade to http, no control character on the wire,
// server text clipped and escaped, deadlines on hung and trickling servers,
// huge and compressed answers bounded, TLS 1.2 at least, proxies and
// NO_PROXY honoured over http, https and SOCKS5, proxy credentials never
// printed. The certificate variables' tests are in roots_test.go and
// transport_test.go.

// clientTrusting is the client NewHTTPClientEnv builds, with cert added to
// the system's roots through SSL_CERT_FILE and the variables kv (name,
// value, …) set.
func clientTrusting(t testing.TB, cert *x509.Certificate, kv ...string) *http.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return NewHTTPClientEnv(envOf(append([]string{EnvCertFile, path}, kv...)...))
}

// tracedClient is clientTrusting (cert may be nil) that collects its
// trace lines.
type tracedClient struct {
	*http.Client
	mu    sync.Mutex
	lines []string
}

func newTracedClient(t testing.TB, cert *x509.Certificate, kv ...string) *tracedClient {
	t.Helper()
	if cert != nil {
		path := filepath.Join(t.TempDir(), "test-ca.pem")
		must(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600))
		kv = append([]string{EnvCertFile, path}, kv...)
	}
	tc := &tracedClient{}
	tc.Client = NewHTTPClientTraced(envOf(kv...), func(f string, a ...any) {
		tc.mu.Lock()
		tc.lines = append(tc.lines, fmt.Sprintf(f, a...))
		tc.mu.Unlock()
	})
	return tc
}

func (tc *tracedClient) trace() string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return strings.Join(tc.lines, "\n")
}

// get sends a GET with c and reads the whole answer.
func get(t *testing.T, c *http.Client, rawURL string) (*http.Response, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	must(t, err)
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// rawServer answers each connection with serve; it returns its address.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return l.Addr().String()
}

// readHead reads a request's head.
func readHead(r io.Reader) string {
	br := bufio.NewReader(r)
	var b strings.Builder
	for {
		l, err := br.ReadString('\n')
		b.WriteString(l)
		if err != nil || l == "\r\n" {
			return b.String()
		}
	}
}

// TestRequestHeadStaysOnItsLines: a header value, host, target or method
// that would put a line break or control character on the wire (a request
// split in two, a header smuggled in) is refused before any byte is sent,
// and the error as the helper shows it does not quote the value.
func TestRequestHeadStaysOnItsLines(t *testing.T) {
	var mu sync.Mutex
	var got []string
	addr := rawServer(t, func(c net.Conn) {
		b := make([]byte, 4096)
		n, _ := c.Read(b)
		mu.Lock()
		got = append(got, string(b[:n]))
		mu.Unlock()
	})
	const secret = "s3cr3t-token-value"
	cases := []struct {
		name   string
		quiet  bool // the error must not quote the value
		change func(*http.Request)
	}{
		{"header value CRLF", true, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret+"\r\nX-Evil: 1") }},
		{"header value bare LF", true, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret+"\nX-Evil: 1") }},
		{"header value NUL", true, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret+"\x00") }},
		{"host", true, func(r *http.Request) { r.URL.Host = addr + "\r\nX-Evil: " + secret }},
		{"query with CRLF", true, func(r *http.Request) { r.URL.RawQuery = "a=" + secret + " HTTP/1.1\r\nX-Evil: 1\r\n" }},
		{"query with a space", true, func(r *http.Request) { r.URL.RawQuery = "a=" + secret + " HTTP/1.0" }},
		{"opaque", true, func(r *http.Request) { r.URL.Opaque = "/x\r\nX-Evil: " + secret }},
		{"header name", false, func(r *http.Request) { r.Header["X\r\nEvil"] = []string{secret} }},
		{"method", false, func(r *http.Request) { r.Method = "GET /x HTTP/1.1\r\nX-Evil: " + secret + "\r\n\r\nGET" }},
		{"method with a space", false, func(r *http.Request) { r.Method = "GET " + secret }},
	}
	c := NewHTTPClient()
	for _, tc := range cases {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/x", nil)
		must(t, err)
		tc.change(req)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: sent", tc.name)
			continue
		}
		if msg := ErrorText(err); tc.quiet && strings.Contains(msg, secret) || strings.ContainsAny(msg, "\r\n") {
			t.Errorf("%s: the error quotes the value or spans lines: %q", tc.name, msg)
		}
	}
	// What a header may hold still goes: a tab, and UTF-8.
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/x", nil)
	req.Header.Set("X-Fine", "a\tb é")
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "X-Fine: a\tb é\r\n") {
		t.Errorf("what reached the server: %q; want only the request with a tab and UTF-8", got)
	}
}

// TestRedirectSpaceInQuery: a redirect whose Location has a space in its
// query (which url.Parse lets through, and net/http would write as it is)
// is refused, not sent as a request line of four words.
func TestRedirectSpaceInQuery(t *testing.T) {
	var lines atomic.Int32
	addr := rawServer(t, func(c net.Conn) {
		readHead(c)
		lines.Add(1)
		io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /next?a b HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
	})
	if _, _, err := get(t, NewHTTPClient(), "http://"+addr+"/x"); err == nil || !strings.Contains(err.Error(), "space or control character") {
		t.Errorf("err %v; want the redirect refused", err)
	}
	if n := lines.Load(); n != 1 {
		t.Errorf("%d requests; want only the first", n)
	}
}

// TestRedirectsStayWithTheOrigin: a redirect to another host, to another
// port, or from https to plain http on the same host and port (one
// listener that speaks both) is refused with the Authorization header
// never sent there; a redirect within the origin keeps the method, the
// body and the header (307); a loop stops.
func TestRedirectsStayWithTheOrigin(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	defer ts.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	addr := l.Addr().String()
	plain := make(chan string, 16)
	var mu sync.Mutex
	var seen []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveBoth(c, ts.TLS, plain, func(r *http.Request) string {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				seen = append(seen, r.Method+" "+r.URL.Path+" "+string(b)+" "+r.Header.Get("Authorization"))
				mu.Unlock()
				switch r.URL.Path {
				case "/downgrade":
					return "http://" + addr + "/plain"
				case "/away":
					return other.URL + "/x"
				case "/port":
					return "https://" + strings.Replace(addr, "127.0.0.1", "localhost", 1) + "/x"
				case "/within":
					return "/end"
				case "/loop":
					return "/loop"
				}
				return ""
			})
		}
	}()
	c := clientTrusting(t, ts.Certificate())
	post := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, "https://"+addr+path, strings.NewReader("form"))
		req.Header.Set("Authorization", "Bearer t")
		return c.Do(req)
	}
	for _, path := range []string{"/downgrade", "/away", "/port"} {
		_, err := post(path)
		var re *redirectError
		if !errors.As(err, &re) {
			t.Errorf("%s: %v; want the redirect refused", path, err)
		}
	}
	if otherHits.Load() != 0 || len(plain) != 0 {
		t.Errorf("a refused redirect reached its target: %d requests to another host, %d over plain http", otherHits.Load(), len(plain))
	}
	mu.Lock()
	seen = nil
	mu.Unlock()
	resp, err := post("/within")
	if err != nil {
		t.Fatalf("a redirect within the origin: %v", err)
	}
	resp.Body.Close()
	mu.Lock()
	if len(seen) != 2 || seen[1] != "POST /end form Bearer t" {
		t.Errorf("a 307 within the origin sent %q; want the form and the header again", seen)
	}
	mu.Unlock()
	if _, err := post("/loop"); err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Errorf("a redirect loop: %v", err)
	}
}

// serveBoth answers TLS on c with http.Server-like handling: the request
// goes to route, which names where to redirect (307), or "" for 200; plain
// http on the same listener sends its request head to plain.
func serveBoth(c net.Conn, cfg *tls.Config, plain chan<- string, route func(*http.Request) string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	if first[0] != 0x16 { // not a TLS handshake record
		plain <- readHead(br)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		return
	}
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	tc := tls.Server(peeked{c, br}, cfg)
	tbr := bufio.NewReader(tc)
	for {
		r, err := http.ReadRequest(tbr)
		if err != nil {
			return
		}
		if to := route(r); to != "" {
			fmt.Fprintf(tc, "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", to)
		} else {
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
	}
}

// peeked is a connection whose first bytes were peeked into r.
type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (p peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

// TestServerTextIsClipped: a reason phrase or header line of up to 1 MiB
// (an echo, another protocol) ends in an error of one short line, and a
// reason phrase with terminal escapes reaches no error or trace line: the
// helper names statuses with the standard's words.
func TestServerTextIsClipped(t *testing.T) {
	long := strings.Repeat("A", 200<<10)
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\n" + long + "\r\n\r\n",
		"HTTP/1.1 2x0 " + long + "\r\n\r\n",
		"HTTP/1.1 500 " + long + "\r\nContent-Length: 0\r\n\r\n",
		"SSH-2.0-" + long + "\r\n\r\n",
		"HTTP/1.1 403 No\x1b[2J\x07 way\r\nContent-Length: 0\r\n\r\n",
	} {
		addr := rawServer(t, func(c net.Conn) { readHead(c); io.WriteString(c, answer) })
		tc := newTracedClient(t, nil)
		_, err := (&Client{BaseURL: "http://" + addr, HTTP: tc.Client}).Exchange(context.Background(), secretID)
		if err == nil {
			t.Fatalf("%.20q: no error", answer)
		}
		for _, text := range []string{err.Error(), tc.trace()} {
			if len(text) > 600 || strings.Contains(text, strings.Repeat("A", 200)) || strings.ContainsAny(text, "\x1b\x07") {
				t.Errorf("%.20q…: %d bytes of the server's text passed on: %.300q", answer, len(text), text)
			}
		}
	}
}

// TestDeadlines: a server that never answers, and one that trickles its
// answer a byte at a time, are cut off at the request's deadline with a
// sentence saying which; a cancelled context ends the request with
// ctx.Err().
func TestDeadlines(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	silent := rawServer(t, func(c net.Conn) { readHead(c); <-release })
	trickle := rawServer(t, func(c net.Conn) {
		readHead(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		for {
			select {
			case <-release:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := io.WriteString(c, " "); err != nil {
					return
				}
			}
		}
	})
	hc := NewHTTPClient()
	warm := httptest.NewServer(jsonHandler(200, `{"access_token":"x"}`))
	defer warm.Close()
	if _, err := (&Client{BaseURL: warm.URL, HTTP: hc}).Exchange(context.Background(), secretID); err != nil {
		t.Fatalf("the client's first request, which reads its settings: %v", err)
	}
	hc.Timeout = 2 * time.Second // long enough for a loaded machine to send the trickle's head
	for _, tc := range []struct{ addr, want string }{
		{silent, "/__api__/token gave no answer within 2 s"},
		{trickle, "/__api__/token's answer was still incomplete after 2 s"},
	} {
		_, err := (&Client{BaseURL: "http://" + tc.addr, HTTP: hc}).Exchange(context.Background(), secretID)
		checkErr(t, err, tc.want, PathToken)
		if !Retryable(err) {
			t.Errorf("%q is not retryable", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		if _, err := (&Client{BaseURL: "http://" + tc.addr}).Exchange(ctx, secretID); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v; want context.Canceled", err)
		}
	}
	if got := durationText(requestTimeout); got != "30 s" {
		t.Errorf("the request deadline reads %q; want 30 s", got)
	}
}

// TestCompressedAnswerIsBounded: a gzip bomb (an endless answer that
// unpacks to a thousand times its size) costs the client at most 1 MiB of
// unpacked answer: it stops reading and hangs up long before the server
// has sent it all.
func TestCompressedAnswerIsBounded(t *testing.T) {
	// One gzip member of 16 MiB of zeros (16 KiB packed), sent again and
	// again: gzip readers take concatenated members as one stream.
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	_, _ = zw.Write(make([]byte, 16<<20))
	must(t, zw.Close())
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("the client does not take gzip (Accept-Encoding %q); this test would prove nothing", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		for sent.Load() < 64<<20 { // 64 GiB unpacked
			n, err := w.Write(member.Bytes())
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	_, err := (&Client{BaseURL: srv.URL, HTTP: NewHTTPClient()}).Exchange(context.Background(), secretID)
	checkErr(t, err, "more than 1 MiB", PathToken)
	closeServer(srv)
	if sent.Load() >= 64<<20 {
		t.Errorf("the client unpacked the whole 64 GiB")
	}
}

// TestTLS12AtLeast: a server that speaks only TLS 1.1 is refused.
func TestTLS12AtLeast(t *testing.T) {
	srv := httptest.NewUnstartedServer(jsonHandler(200, `{"access_token":"x"}`))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	srv.StartTLS()
	defer srv.Close()
	_, err := (&Client{BaseURL: srv.URL, HTTP: clientTrusting(t, srv.Certificate())}).Exchange(context.Background(), secretID)
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.1: %v; want the handshake refused", err)
	}
}

func TestProxyFor(t *testing.T) {
	const p = "http://proxy.corp:3128"
	cases := []struct {
		env  func(string) string
		url  string
		want string // "" = direct
	}{
		{envOf("HTTPS_PROXY", p), "https://ppm.example.com", p},
		{envOf("https_proxy", p), "https://ppm.example.com", p},
		{envOf("HTTPS_PROXY", "http://other:1", "https_proxy", p), "https://ppm.example.com", p}, // Go: the lower-case name first
		{envOf("HTTPS_PROXY", p), "http://ppm.example.com", ""},
		{envOf("HTTP_PROXY", p), "http://ppm.example.com", p},
		{envOf("ALL_PROXY", p), "https://ppm.example.com", p},
		{envOf("all_proxy", p), "http://ppm.example.com", p},
		{envOf("ALL_PROXY", "http://other:1", "HTTPS_PROXY", p), "https://ppm.example.com", p},
		{envOf("HTTPS_PROXY", "proxy.corp:3128"), "https://ppm.example.com", p},
		{envOf("HTTPS_PROXY", p), "https://localhost:8443", ""},
		{envOf("HTTPS_PROXY", p), "https://127.0.0.2", ""},
		{envOf("HTTPS_PROXY", p), "https://[::1]:443", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "*"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "example.com"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "example.com"), "https://example.com", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "example.com"), "https://notexample.com", p},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", ".example.com"), "https://example.com", p},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", ".example.com"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "*.example.com"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", p, "no_proxy", " other.org , PPM.example.com"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "ppm.example.com:8443"), "https://ppm.example.com", p},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "ppm.example.com:443"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "10.0.0.0/8"), "https://10.1.2.3", ""},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "10.0.0.0/8"), "https://11.1.2.3", p},
		{envOf("HTTPS_PROXY", p, "NO_PROXY", "192.168.1.5"), "https://192.168.1.5:9", ""},
		{envOf(), "https://ppm.example.com", ""},
		// SOCKS5, under the same rules; the password is not shown.
		{envOf("HTTPS_PROXY", "socks5://proxy.corp"), "https://ppm.example.com", "socks5://proxy.corp"},
		{envOf("HTTP_PROXY", "socks5h://u:pw@proxy.corp:1081"), "http://ppm.example.com", "socks5h://u@proxy.corp:1081"},
		{envOf("HTTPS_PROXY", "socks5h://proxy.corp"), "https://127.0.0.1", ""},
		{envOf("HTTPS_PROXY", "socks5://proxy.corp", "NO_PROXY", ".example.com"), "https://ppm.example.com", ""},
		{envOf("HTTPS_PROXY", "socks5://proxy.corp", "NO_PROXY", ".example.com"), "https://ppm.example.org", "socks5://proxy.corp"},
	}
	for i, c := range cases {
		got, err := ProxyFor(c.env, c.url)
		if err != nil || (got == nil) != (c.want == "") || (got != nil && got.String() != c.want) {
			t.Errorf("case %d (%s): %v, %v; want %q", i, c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{"http://[::1", "socks4://u:Secret@proxy.corp:1080", "ftp://proxy.corp"} {
		_, err := ProxyFor(envOf("HTTPS_PROXY", bad), "https://ppm.example.com")
		if err == nil || !strings.Contains(err.Error(), "HTTPS_PROXY") || strings.Contains(err.Error(), "Secret") || strings.Contains(err.Error(), "\n") {
			t.Errorf("HTTPS_PROXY=%s: %v; want one line naming the variable, not its value", bad, err)
		}
	}
	// An unusable HTTP_PROXY does not stop https requests.
	if got, err := ProxyFor(envOf("HTTP_PROXY", "ftp://x", "HTTPS_PROXY", p), "https://ppm.example.com"); err != nil || got.String() != p {
		t.Errorf("a bad HTTP_PROXY for an https request: %v, %v", got, err)
	}
}

// connectProxy tunnels CONNECT requests for any name to the loopback
// address, and forwards absolute-form http requests to it; it records the
// request lines and their Proxy-Authorization.
type connectProxy struct {
	mu   sync.Mutex
	seen []string
}

func (p *connectProxy) serve(c net.Conn) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.seen = append(p.seen, req.Method+" "+req.RequestURI+" "+req.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()
	_, port, _ := net.SplitHostPort(req.Host)
	if port == "" {
		port = "80"
	}
	up, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		return
	}
	defer up.Close()
	if req.Method == "CONNECT" {
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	} else {
		req.RequestURI = ""
		req.Header.Del("Proxy-Authorization")
		req.Write(up)
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, br); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// targets are an https server (its certificate names example.com) and a
// plain http one, both on loopback, each answering what it was asked.
func targets(t *testing.T) (tlsPort, plainPort string, cert *x509.Certificate) {
	t.Helper()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tls "+r.Host+" "+r.TLS.ServerName+" "+r.RequestURI)
	}))
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "plain "+r.Host+" "+r.RequestURI+" "+r.Header.Get("Proxy-Authorization"))
	}))
	t.Cleanup(plain.Close)
	_, tlsPort, _ = net.SplitHostPort(tlsSrv.Listener.Addr().String())
	_, plainPort, _ = net.SplitHostPort(plain.Listener.Addr().String())
	return tlsPort, plainPort, tlsSrv.Certificate()
}

// TestThroughAnHTTPProxy: https goes through CONNECT and http in absolute
// form, both with the proxy's credentials; the trace names the proxy
// without its password; NO_PROXY sends a request direct; a proxy that
// refuses the tunnel is one line naming it, without its password.
func TestThroughAnHTTPProxy(t *testing.T) {
	tlsPort, plainPort, cert := targets(t)
	p := &connectProxy{}
	proxyAddr := rawServer(t, p.serve)
	proxyURL := "http://user:pw-Secret@" + proxyAddr
	c := newTracedClient(t, cert, "HTTPS_PROXY", proxyURL, "HTTP_PROXY", proxyURL)
	if _, b, err := get(t, c.Client, "https://example.com:"+tlsPort+"/s"); err != nil || b != "tls example.com:"+tlsPort+" example.com /s" {
		t.Fatalf("https through the proxy: %q, %v", b, err)
	}
	if _, b, err := get(t, c.Client, "http://example.com:"+plainPort+"/p?q=1"); err != nil || b != "plain example.com:"+plainPort+" /p?q=1 " {
		t.Fatalf("http through the proxy: %q, %v", b, err)
	}
	auth := "Basic dXNlcjpwdy1TZWNyZXQ="
	want := []string{"CONNECT example.com:" + tlsPort + " " + auth, "GET http://example.com:" + plainPort + "/p?q=1 " + auth}
	p.mu.Lock()
	if strings.Join(p.seen, "|") != strings.Join(want, "|") {
		t.Errorf("the proxy saw %q; want %q", p.seen, want)
	}
	p.mu.Unlock()
	tr := c.trace()
	if line := "https://example.com:" + tlsPort + " goes through the proxy http://user:xxxxx@" + proxyAddr; !strings.Contains(tr, line) || strings.Contains(tr, "pw-Secret") {
		t.Errorf("the trace does not say %q, or holds the password:\n%s", line, tr)
	}
	// NO_PROXY: direct, and ppm.invalid resolves nowhere.
	direct := NewHTTPClientEnv(envOf("HTTPS_PROXY", proxyURL, "NO_PROXY", "ppm.invalid"))
	_, err := (&Client{BaseURL: "https://ppm.invalid", HTTP: direct}).Exchange(context.Background(), secretID)
	if err == nil || !strings.Contains(err.Error(), "could not find the host ppm.invalid") || len(p.seen) != 2 {
		t.Errorf("with NO_PROXY: %v, the proxy saw %q; want a direct request that finds no host", err, p.seen)
	}
	// A proxy that refuses the tunnel.
	refusing := rawServer(t, func(c net.Conn) {
		readHead(c)
		io.WriteString(c, "HTTP/1.1 407 Go away \x1b[2J\r\nContent-Length: 0\r\n\r\n")
	})
	hc := NewHTTPClientEnv(envOf("HTTPS_PROXY", "http://user:pw-Secret@"+refusing))
	_, err = (&Client{BaseURL: "https://ppm.example.com", HTTP: hc}).Exchange(context.Background(), secretID)
	var pe *ProxyError
	checkErr(t, err, "the proxy http://"+refusing+" refused the tunnel to ppm.example.com:443: 407 Proxy Authentication Required; check the user name and password in HTTPS_PROXY", PathToken)
	if !errors.As(err, &pe) || strings.Contains(err.Error(), "pw-Secret") || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("refused tunnel: %#v", err)
	}
}

// TestSOCKS5: socks5:// and socks5h:// alike, net/http sends the proxy
// host names to resolve (and IP literals as addresses); https runs TLS end
// to end over the tunnel, http goes in origin form.
func TestSOCKS5(t *testing.T) {
	tlsPort, plainPort, cert := targets(t)
	for _, scheme := range []string{"socks5", "socks5h"} {
		t.Run(scheme, func(t *testing.T) {
			proxy := socks5test.Start(t)
			proxy.Names = []string{"example.com", "other.test"}
			c := newTracedClient(t, cert, "HTTPS_PROXY", proxy.URL(scheme, "", ""), "HTTP_PROXY", proxy.URL(scheme, "", ""))
			checks := []struct{ url, want string }{
				{"https://example.com:" + tlsPort + "/s?q=1", "tls example.com:" + tlsPort + " example.com /s?q=1"},
				{"http://example.com:" + plainPort + "/p?q=1", "plain example.com:" + plainPort + " /p?q=1 "},
				{"http://192.0.2.7:" + plainPort + "/v4", "plain 192.0.2.7:" + plainPort + " /v4 "},
				{"http://[2001:db8::7]:" + plainPort + "/v6", "plain [2001:db8::7]:" + plainPort + " /v6 "},
			}
			for _, ch := range checks {
				if _, b, err := get(t, c.Client, ch.url); err != nil || b != ch.want {
					t.Fatalf("%s through the SOCKS5 proxy: %q, %v; want %q", ch.url, b, err, ch.want)
				}
			}
			want := []string{"domain example.com:" + tlsPort, "domain example.com:" + plainPort, "ipv4 192.0.2.7:" + plainPort, "ipv6 [2001:db8::7]:" + plainPort}
			if got := proxy.Targets(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("the proxy was asked for %q; want %q", got, want)
			}
			for _, r := range proxy.Requests() {
				if string(r.Methods) != "\x00" || r.User != "" {
					t.Errorf("without credentials the client offered methods %v, user %q; want only no authentication", r.Methods, r.User)
				}
			}
			if line := "https://example.com:" + tlsPort + " goes through the proxy " + scheme + "://" + proxy.Addr(); !strings.Contains(c.trace(), line) {
				t.Errorf("the trace does not say %q:\n%s", line, c.trace())
			}
			// A name the certificate does not hold fails TLS as it would
			// direct: the tunnel changes nothing about verification.
			var verr *tls.CertificateVerificationError
			if _, _, err := get(t, c.Client, "https://other.test:"+tlsPort+"/"); !errors.As(err, &verr) {
				t.Errorf("a certificate for another name through the tunnel: %v; want a verification error", err)
			}
		})
	}
}

// TestSOCKS5Auth: with user:password in the URL both methods are offered
// and RFC 1929's exchange runs; the password appears in no error or trace
// line; a wrong password, or none when one is needed, is one line naming
// the proxy and what to do.
func TestSOCKS5Auth(t *testing.T) {
	const user, pass = "ppm-user", "s3cret-Pa55"
	tlsPort, plainPort, cert := targets(t)
	proxy := socks5test.Start(t)
	proxy.Names = []string{"example.com"}
	proxy.User, proxy.Password = user, pass
	c := newTracedClient(t, cert, "HTTPS_PROXY", proxy.URL("socks5h", user, pass), "HTTP_PROXY", proxy.URL("socks5h", user, pass))
	if _, b, err := get(t, c.Client, "https://example.com:"+tlsPort+"/a"); err != nil || b != "tls example.com:"+tlsPort+" example.com /a" {
		t.Fatalf("https through the SOCKS5 proxy with a password: %q, %v", b, err)
	}
	if _, b, err := get(t, c.Client, "http://example.com:"+plainPort+"/b"); err != nil || b != "plain example.com:"+plainPort+" /b " {
		t.Fatalf("http through the SOCKS5 proxy with a password: %q, %v (no Proxy-Authorization may reach the server)", b, err)
	}
	for _, r := range proxy.Requests() {
		if string(r.Methods) != "\x00\x02" || r.User != user || !r.Auth {
			t.Errorf("with credentials: methods %v, user %q, accepted %v; want [0 2], %q, true", r.Methods, r.User, r.Auth, user)
		}
	}
	tr := c.trace()
	if line := "goes through the proxy socks5h://" + user + ":xxxxx@" + proxy.Addr(); !strings.Contains(tr, line) || strings.Contains(tr, pass) {
		t.Errorf("the trace does not say %q, or holds the password:\n%s", line, tr)
	}
	for _, u := range []string{proxy.URL("socks5h", user, "wrong-Pa55"), proxy.URL("socks5", "", "")} {
		bad := newTracedClient(t, cert, "HTTPS_PROXY", u)
		_, err := (&Client{BaseURL: "https://example.com:" + tlsPort, HTTP: bad.Client}).Exchange(context.Background(), secretID)
		want := "the proxy socks5h://" + proxy.Addr() + " refused the user name and password; check them in HTTPS_PROXY"
		if !strings.Contains(u, "@") {
			want = "the proxy socks5://" + proxy.Addr() + " wants a user name and password; set them in HTTPS_PROXY (socks5://USER:PASSWORD@" + proxy.Addr() + ")"
		}
		checkProxyErr(t, err, want, "wrong-Pa55")
		if strings.Contains(bad.trace(), "wrong-Pa55") {
			t.Errorf("the password reached the trace:\n%s", bad.trace())
		}
	}
}

// checkProxyErr: err is one line naming the endpoint and saying want (the
// proxy named without credentials), a *ProxyError, and secret is nowhere
// in it.
func checkProxyErr(t *testing.T, err error, want, secret string) {
	t.Helper()
	checkErr(t, err, want, PathToken)
	var pe *ProxyError
	if !errors.As(err, &pe) || secret != "" && strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
		t.Errorf("error %q is not a *ProxyError, or holds %q", err, secret)
	}
}

// TestSOCKS5Failures: a proxy that refuses the connection (each reply
// code), is not there, is not a SOCKS5 proxy, hangs up, or never answers:
// one line each, naming the proxy and what went wrong.
func TestSOCKS5Failures(t *testing.T) {
	exchange := func(proxyURL string, timeout time.Duration) error {
		hc := NewHTTPClientEnv(envOf("HTTPS_PROXY", proxyURL))
		if timeout > 0 {
			hc.Timeout = timeout
		}
		_, err := (&Client{BaseURL: "https://ppm.example.com", HTTP: hc}).Exchange(context.Background(), secretID)
		return err
	}
	for code, words := range map[byte]string{1: "general SOCKS server failure", 4: "host unreachable", 5: "connection refused", 7: "command not supported", 9: "unknown code: 9"} {
		proxy := socks5test.Start(t)
		proxy.Reply = code
		checkProxyErr(t, exchange(proxy.URL("socks5", "", ""), 0), "the proxy socks5://"+proxy.Addr()+" could not connect to ppm.example.com:443: "+words+"; ", "")
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	gone := closed.Addr().String()
	closed.Close()
	checkProxyErr(t, exchange("socks5://u:pw-Secret@"+gone, 0), "the proxy socks5://"+gone+" cannot be reached (", "pw-Secret")
	release := make(chan struct{})
	defer close(release)
	for _, tc := range []struct {
		name  string
		serve func(net.Conn)
		want  string
	}{
		{"an http proxy", func(c net.Conn) { readN(c, 3); io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n") }, "answered something that is not SOCKS5; check that HTTPS_PROXY names a SOCKS5 proxy (an http proxy is written http://)"},
		{"closed at once", func(c net.Conn) { readN(c, 3) }, "closed the connection instead of answering"},
		{"half an answer", func(c net.Conn) { readN(c, 3); c.Write([]byte{5}) }, "closed the connection in the middle of its answer"},
	} {
		addr := rawServer(t, tc.serve)
		checkProxyErr(t, exchange("socks5://"+addr, 0), "the proxy socks5://"+addr+" "+tc.want, "")
	}
	// A proxy that never answers: the request's deadline ends it. net/http
	// may turn its own Timeout into an error of its own (a sentence about
	// the request); a context's deadline (doctor's) keeps the proxy's name.
	silent := rawServer(t, func(c net.Conn) { readN(c, 3); <-release })
	err = exchange("socks5://"+silent, 300*time.Millisecond)
	checkErr(t, err, "", PathToken)
	if s := err.Error(); !Retryable(err) || !strings.Contains(s, "gave no answer within 300ms") && !strings.Contains(s, "the proxy socks5://"+silent+" did not give a connection") {
		t.Errorf("a silent proxy: %q; want a retryable timeout", s)
	}
	hc := NewHTTPClientEnv(envOf("HTTPS_PROXY", "socks5://"+silent))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://ppm.example.com/__api__/token", nil)
	_, err = hc.Do(req)
	var pe *ProxyError
	if !errors.As(err, &pe) || !strings.Contains(ErrorText(err), "the proxy socks5://"+silent+" did not give a connection to ppm.example.com:443 in time") {
		t.Errorf("a silent proxy past a context's deadline: %v; want a *ProxyError naming it", err)
	}
}

func readN(c net.Conn, n int) {
	_, _ = io.ReadFull(c, make([]byte, n))
}

// TestProxyErrorNeverShowsTheURL: whatever the failure, what the helper
// shows of a transport error has no URL query and no proxy password.
func TestProxyErrorNeverShowsTheURL(t *testing.T) {
	u, _ := url.Parse("https://ppm.example.com/__api__/token?leak=" + secretAccess)
	err := &url.Error{Op: "Post", URL: u.String(), Err: errors.New("boom")}
	if s := ErrorText(err); strings.Contains(s, secretAccess) || s != "boom" {
		t.Errorf("ErrorText = %q", s)
	}
}
