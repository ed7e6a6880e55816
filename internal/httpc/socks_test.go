package httpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/socks5test"
)

// proxiedClient sends http and https requests through proxyURL and
// collects its trace lines.
type proxiedClient struct {
	*Client
	mu     sync.Mutex
	traced []string
}

func newProxiedClient(proxyURL string, pool *x509.CertPool) *proxiedClient {
	pc := &proxiedClient{}
	pc.Client = &Client{
		Getenv: func(k string) string {
			if k == "HTTPS_PROXY" || k == "HTTP_PROXY" {
				return proxyURL
			}
			return ""
		},
		RootCAs: func() (*x509.CertPool, error) { return pool, nil },
		Trace: func(f string, a ...any) {
			pc.mu.Lock()
			pc.traced = append(pc.traced, fmt.Sprintf(f, a...))
			pc.mu.Unlock()
		},
	}
	return pc
}

func (pc *proxiedClient) trace() string {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return strings.Join(pc.traced, "\n")
}

// targets: an https server (its certificate names example.com) and a
// plain http one, both on loopback, each answering what it was asked.
func socksTargets(t *testing.T) (tlsPort, plainPort string, pool *x509.CertPool) {
	t.Helper()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tls "+r.Host+" "+r.TLS.ServerName+" "+r.RequestURI)
	}))
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "plain "+r.Host+" "+r.RequestURI+" "+r.Header.Get("Proxy-Authorization"))
	}))
	t.Cleanup(plain.Close)
	pool = x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	_, tlsPort, _ = net.SplitHostPort(tlsSrv.Listener.Addr().String())
	_, plainPort, _ = net.SplitHostPort(plain.Listener.Addr().String())
	return tlsPort, plainPort, pool
}

// Without authentication: https runs TLS (SNI, the roots given) over the
// tunnel, http goes in origin form; names go as domain names, IP literals
// as IPv4 and IPv6 addresses.
func TestSOCKS5(t *testing.T) {
	tlsPort, plainPort, pool := socksTargets(t)
	proxy := socks5test.Start(t)
	proxy.Names = []string{"example.com", "other.test"}
	c := newProxiedClient(proxy.URL("socks5", "", ""), pool)
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
	if got := proxy.Targets(); !slices.Equal(got, want) {
		t.Errorf("the proxy was asked for %q; want %q", got, want)
	}
	for _, r := range proxy.Requests() {
		if !slices.Equal(r.Methods, []byte{0}) || r.User != "" {
			t.Errorf("without credentials the client offered methods %v, user %q; want only no authentication", r.Methods, r.User)
		}
	}
	if line := "https://example.com:" + tlsPort + " goes through the proxy socks5://" + proxy.Addr(); !strings.Contains(c.trace(), line) {
		t.Errorf("the trace does not say %q:\n%s", line, c.trace())
	}
	// A name the certificate does not hold fails TLS as it would direct:
	// the tunnel changes nothing about verification.
	var verr *tls.CertificateVerificationError
	if _, _, err := get(t, c.Client, "https://other.test:"+tlsPort+"/"); !errors.As(err, &verr) {
		t.Errorf("a certificate for another name through the tunnel: %v; want a verification error", err)
	}
}

// With user:password in the URL: both methods are offered, the RFC 1929
// exchange runs, and the password appears nowhere.
func TestSOCKS5Auth(t *testing.T) {
	const user, pass = "ppm-user", "s3cret-Pa55"
	tlsPort, plainPort, pool := socksTargets(t)
	proxy := socks5test.Start(t)
	proxy.Names = []string{"example.com"}
	proxy.User, proxy.Password = user, pass
	c := newProxiedClient(proxy.URL("socks5h", user, pass), pool)
	if _, b, err := get(t, c.Client, "https://example.com:"+tlsPort+"/a"); err != nil || b != "tls example.com:"+tlsPort+" example.com /a" {
		t.Fatalf("https through the SOCKS5 proxy with a password: %q, %v", b, err)
	}
	if _, b, err := get(t, c.Client, "http://example.com:"+plainPort+"/b"); err != nil || b != "plain example.com:"+plainPort+" /b " {
		t.Fatalf("http through the SOCKS5 proxy with a password: %q, %v (no Proxy-Authorization may reach the server)", b, err)
	}
	for _, r := range proxy.Requests() {
		if !slices.Equal(r.Methods, []byte{0, 2}) || r.User != user || !r.Auth {
			t.Errorf("with credentials: methods %v, user %q, accepted %v; want [0 2], %q, true", r.Methods, r.User, r.Auth, user)
		}
	}
	tr := c.trace()
	if line := "goes through the proxy socks5h://" + user + ":xxxxx@" + proxy.Addr(); !strings.Contains(tr, line) || strings.Contains(tr, pass) {
		t.Errorf("the trace does not say %q, or holds the password:\n%s", line, tr)
	}
	// The wrong password, and none at all.
	for _, u := range []string{proxy.URL("socks5h", user, "wrong-Pa55"), proxy.URL("socks5", "", "")} {
		bad := newProxiedClient(u, pool)
		_, _, err := get(t, bad.Client, "https://example.com:"+tlsPort+"/a")
		want := "refused the user name and password; check them in HTTPS_PROXY"
		if !strings.Contains(u, "@") {
			want = "wants a user name and password; put them in HTTPS_PROXY (socks5://USER:PASSWORD@" + proxy.Addr() + ")"
		}
		checkProxyErr(t, err, proxy.Addr(), want, "wrong-Pa55")
		if strings.Contains(bad.trace(), "wrong-Pa55") {
			t.Errorf("the password reached the trace:\n%s", bad.trace())
		}
	}
}

// checkProxyErr: err is one line naming the proxy at addr (without
// credentials) and saying want, and secret is nowhere in it.
func checkProxyErr(t *testing.T, err error, addr, want, secret string) {
	t.Helper()
	var pe *ProxyError
	switch {
	case err == nil:
		t.Errorf("no error; want %q", want)
	case !strings.Contains(err.Error(), want), !strings.Contains(err.Error(), "the proxy socks5"), !strings.Contains(err.Error(), "://"+addr+" "):
		t.Errorf("error %q; want one naming the proxy %s and saying %q", err, addr, want)
	case strings.Contains(err.Error(), "\n"), secret != "" && strings.Contains(err.Error(), secret):
		t.Errorf("error %q: not one line, or it holds credentials", err)
	case !errors.As(err, &pe):
		t.Errorf("error %q is not a *ProxyError", err)
	}
}

// Each reply code a proxy sends for a failed CONNECT, in words.
func TestSOCKS5ReplyCodes(t *testing.T) {
	words := map[byte]string{
		1: "general SOCKS server failure", 2: "not allowed by the proxy's rules", 3: "network unreachable",
		4: "host unreachable", 5: "connection refused", 6: "TTL expired",
		7: "command not supported (the proxy does not do CONNECT)", 8: "address type not supported", 9: "unknown reply code X'09'",
	}
	for code, w := range words {
		proxy := socks5test.Start(t)
		proxy.Reply = code
		c := newProxiedClient(proxy.URL("socks5", "", ""), nil)
		_, _, err := get(t, c.Client, "https://ppm.example.com/x")
		checkProxyErr(t, err, proxy.Addr(), "could not connect to ppm.example.com:443: "+w+"; ", "")
	}
}

// A proxy that is not there, answers garbage, stops midway, or picks a
// method it was not offered: one line each, at once.
func TestSOCKS5Misbehaving(t *testing.T) {
	const secret = "pw-Secret-9"
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	greet := func(c net.Conn, answer ...byte) {
		head := make([]byte, 2) // VER NMETHODS, then the methods
		io.ReadFull(c, head)
		readN(c, int(head[1]))
		c.Write(answer)
	}
	okThenRequest := func(c net.Conn) { greet(c, 5, 0); readN(c, 4+1+len("ppm.example.com")+2) }
	cases := []struct {
		name  string
		creds bool
		serve func(net.Conn)
		want  string
	}{
		{"an http proxy", false, func(c net.Conn) { readN(c, 3); io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n") }, "answered something that is not SOCKS5; check that HTTPS_PROXY names a SOCKS5 proxy (an http proxy is written http://)"},
		{"closed at once", false, func(c net.Conn) { readN(c, 3) }, "closed the connection instead of answering the greeting"},
		{"half a greeting answer", false, func(c net.Conn) { readN(c, 3); c.Write([]byte{5}) }, "closed the connection in the middle of its answer to the greeting"},
		{"GSSAPI only", true, func(c net.Conn) { greet(c, 5, 1) }, "chose an authentication method it was not offered (X'01')"},
		{"username/password unasked", false, func(c net.Conn) { greet(c, 5, 2) }, "chose an authentication method it was not offered (X'02')"},
		{"neither method", true, func(c net.Conn) { greet(c, 5, 0xff) }, "accepts neither no authentication nor a user name and password"},
		{"garbage auth answer", true, func(c net.Conn) { greet(c, 5, 2); readN(c, 3+len("u")+len(secret)); c.Write([]byte{5, 0}) }, "answered something that is not SOCKS5"},
		{"no reply to the request", false, okThenRequest, "closed the connection instead of answering the request for ppm.example.com:443"},
		{"truncated reply", false, func(c net.Conn) { okThenRequest(c); c.Write([]byte{5, 0, 0, 1, 127, 0}) }, "closed the connection in the middle of its answer to the request for ppm.example.com:443"},
		{"truncated domain reply", false, func(c net.Conn) { okThenRequest(c); c.Write([]byte{5, 0, 0, 3, 9, 'a'}) }, "in the middle of its answer"},
		{"unknown address type", false, func(c net.Conn) { okThenRequest(c); c.Write([]byte{5, 0, 0, 7, 0, 0}) }, "answered something that is not SOCKS5"},
		{"wrong version in reply", false, func(c net.Conn) { okThenRequest(c); c.Write([]byte{4, 90, 0, 0, 0, 0, 0, 0}) }, "answered something that is not SOCKS5"},
		{"not there", false, nil, "cannot be reached ("},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := closedAddr
			if tc.serve != nil {
				addr = strings.TrimSuffix(strings.TrimPrefix(rawServer(t, tc.serve), "http://"), "/x")
			}
			u := "socks5://" + addr
			if tc.creds {
				u = "socks5://u:" + secret + "@" + addr
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := NewRequest("GET", "https://ppm.example.com/x", nil)
			_, err := newProxiedClient(u, nil).Do(ctx, req)
			checkProxyErr(t, err, addr, tc.want, secret)
			if ctx.Err() != nil {
				t.Errorf("the client waited for the deadline: %v", err)
			}
		})
	}
	// A host name SOCKS5 cannot carry.
	proxy := socks5test.Start(t)
	long := strings.Repeat("a", 251) + ".test"
	_, _, err = get(t, newProxiedClient(proxy.URL("socks5", "", ""), nil).Client, "https://"+long+"/")
	checkProxyErr(t, err, proxy.Addr(), "takes host names of 1 to 255 bytes", "")
	if n := len(proxy.Requests()); n != 0 {
		t.Errorf("the proxy got %d connections for a name it cannot be sent", n)
	}
}

// A proxy that accepts and never answers ends at Timeout (at any step),
// or when the context is cancelled.
func TestSOCKS5Deadlines(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	greeted := make(chan struct{}, 8)
	silent := func(c net.Conn) { readN(c, 3); greeted <- struct{}{}; <-release }
	afterGreeting := func(c net.Conn) { readN(c, 3); c.Write([]byte{5, 0}); readN(c, 5); <-release }
	for _, tc := range []struct {
		serve func(net.Conn)
		want  string
	}{
		{silent, "did not answer the greeting in time"},
		{afterGreeting, "did not answer the request for ppm.example.com:443 in time"},
	} {
		addr := strings.TrimSuffix(strings.TrimPrefix(rawServer(t, tc.serve), "http://"), "/x")
		c := newProxiedClient("socks5://"+addr, nil)
		c.Timeout = 300 * time.Millisecond
		req, _ := NewRequest("GET", "https://ppm.example.com/x", nil)
		_, err := c.Do(context.Background(), req)
		checkProxyErr(t, err, addr, tc.want, "")
		if !isDeadline(err) {
			t.Errorf("%v is not a timeout", err)
		}
	}
	<-greeted
	// No deadline at all: cancelling the context ends the negotiation.
	addr := strings.TrimSuffix(strings.TrimPrefix(rawServer(t, silent), "http://"), "/x")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-greeted; cancel() }()
	req, _ := NewRequest("GET", "https://ppm.example.com/x", nil)
	ended := make(chan error, 1)
	go func() {
		_, err := newProxiedClient("socks5://"+addr, nil).Do(ctx, req)
		ended <- err
	}()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled during the SOCKS5 greeting: %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second): // a hang, not a slow machine
		t.Fatal("a cancelled request still waits for the SOCKS5 proxy's answer")
	}
}

func readN(c net.Conn, n int) {
	_, _ = io.ReadFull(c, make([]byte, n))
}

// scriptedConn is a proxy's side that answers with fixed bytes and takes
// anything written.
type scriptedConn struct {
	net.Conn
	answer *strings.Reader
}

func (c scriptedConn) Read(p []byte) (int, error)  { return c.answer.Read(p) }
func (c scriptedConn) Write(p []byte) (int, error) { return len(p), nil }

// FuzzSOCKSAnswers: whatever a proxy answers, the negotiation ends in
// success having read no byte past the reply, or in one *ProxyError line
// without the password; never a panic.
func FuzzSOCKSAnswers(f *testing.F) {
	f.Add([]byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 80}, true)
	f.Add([]byte{5, 2, 1, 0, 5, 0, 0, 3, 4, 'h', 'o', 's', 't', 0, 80, 'T', 'L', 'S'}, true)
	f.Add([]byte{5, 0, 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 187}, false)
	f.Add([]byte{5, 0xff}, false)
	f.Add([]byte{5, 0, 5, 3}, false)
	f.Fuzz(func(t *testing.T, answer []byte, creds bool) {
		proxy := mustURL("socks5://proxy.test:1080")
		if creds {
			proxy = mustURL("socks5://u:fuzz-Secret@proxy.test:1080")
		}
		req, err := socksRequest("ppm.test:443", proxy)
		if err != nil {
			t.Fatal(err)
		}
		r := strings.NewReader(string(answer))
		err = socksConnect(scriptedConn{answer: r}, req, "ppm.test:443", proxy, "HTTPS_PROXY")
		var pe *ProxyError
		switch {
		case err == nil:
			// The reply ends where its length says; what follows is the
			// target's, left unread.
		case !errors.As(err, &pe), strings.Contains(err.Error(), "\n"), strings.Contains(err.Error(), "fuzz-Secret"):
			t.Fatalf("answer %x: %v", answer, err)
		}
		if err == nil && len(answer) >= 2 && answer[1] == 0 && !creds {
			// No authentication: greeting answer (2) + reply head (4) +
			// address + port.
			n := 0
			switch answer[5] {
			case 1:
				n = 4
			case 4:
				n = 16
			case 3:
				n = 1 + int(answer[6])
			}
			if read := len(answer) - r.Len(); read != 2+4+n+2 {
				t.Fatalf("answer %x: read %d bytes; the reply is %d", answer, read, 2+4+n+2)
			}
		}
	})
}
