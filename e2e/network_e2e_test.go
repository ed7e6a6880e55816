package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/socks5test"
)

// A Package Manager behind a private certificate authority, and behind a
// proxy, with the real binary: what a person behind a corporate network
// sets (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, SSL_CERT_DIR, HTTPS_PROXY) is
// all it gets.

// tlsWorld is a world whose fake Package Manager speaks https with a
// certificate from a throwaway CA, which is written to ca.pem and certs/.
func tlsWorld(t *testing.T, hosts ...string) (*world, *fakeppm.CA, string, string) {
	t.Helper()
	ca, err := fakeppm.NewCA(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, fakeppm.Options{TLSCert: &ca.Server}).withIdentity()
	caFile := filepath.Join(w.home, "ca.pem")
	caDir := filepath.Join(w.home, "certs")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(caDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(caDir, "corp.pem"), ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return w, ca, caFile, caDir
}

func TestPrivateCertificateAuthority(t *testing.T) {
	t.Parallel()
	w, _, caFile, caDir := tlsWorld(t, "127.0.0.1")
	if !strings.HasPrefix(w.ppm.URL(), "https://") {
		t.Fatalf("the fake is not on https: %s", w.ppm.URL())
	}
	req := gitRequest("https", hostOf(w.ppm.URL()), "")
	// No CA given: one line naming the variables that add one.
	r := w.run(req, "get")
	if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("no CA: code %d stdout %q stderr %q; want one line", r.code, r.stdout, r.stderr)
	}
	for _, v := range []string{"could not verify the TLS certificate", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"} {
		if !strings.Contains(r.stderr, v) {
			t.Errorf("no CA: %q does not say %q", r.stderr, v)
		}
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "TLS certificate not trusted") || !strings.Contains(d.stdout, "REQUESTS_CA_BUNDLE") {
		t.Errorf("doctor without the CA: %q", d.stdout)
	}
	for _, v := range [][2]string{{"SSL_CERT_FILE", caFile}, {"REQUESTS_CA_BUNDLE", caFile}, {"SSL_CERT_DIR", caDir}} {
		w.set(v[0], v[1])
		r := w.run(req, "get")
		if tok := attr(r.stdout, "password"); r.code != 0 || !w.ppm.ValidToken(tok) {
			t.Errorf("with %s: code %d stderr %q; want a token", v[0], r.code, r.stderr)
		}
		if r := w.run("", "logout"); r.code != 0 {
			t.Fatalf("logout: %s", r.stderr)
		}
		if v[0] != "REQUESTS_CA_BUNDLE" { // doctor is slow (it checks pip and uv too): once
			w.set(v[0], "")
			continue
		}
		d := w.run("", "doctor")
		if !strings.Contains(d.stdout, "certificates: trusting the system's certificate authorities and 1 certificate from "+v[0]+"="+v[1]) ||
			!strings.Contains(d.stdout, "reachable over TLS") {
			t.Errorf("doctor with %s: %q", v[0], d.stdout)
		}
		w.set(v[0], "")
	}
	w.set("SSL_CERT_FILE", filepath.Join(w.home, "missing.pem"))
	r = w.run(req, "get")
	if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "SSL_CERT_FILE="+filepath.Join(w.home, "missing.pem")+" cannot be used") {
		t.Errorf("missing SSL_CERT_FILE: code %d stderr %q; want one line naming it", r.code, r.stderr)
	}
	w.assertNoSecretsLeaked()
}

// connectProxy is a loopback HTTP CONNECT proxy that maps the made-up host
// name ppm.test to 127.0.0.1 (Go never sends loopback addresses through a
// proxy, so the address must be a name) and records what it was asked.
type connectProxy struct {
	l       net.Listener
	mu      sync.Mutex
	targets []string
}

func startConnectProxy(t *testing.T) *connectProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("the proxy test cannot listen on loopback: %v", err)
	}
	p := &connectProxy{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *connectProxy) URL() string { return "http://" + p.l.Addr().String() }

func (p *connectProxy) Targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

func (p *connectProxy) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.targets = append(p.targets, req.Method+" "+req.Host)
	p.mu.Unlock()
	host, port, err := net.SplitHostPort(req.Host)
	if req.Method != http.MethodConnect || err != nil || host != "ppm.test" {
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, br); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// Requests to the address go through HTTPS_PROXY (TLS end to end through
// CONNECT, the certificate from the private CA naming ppm.test); NO_PROXY
// sends them direct.
func TestHTTPSProxy(t *testing.T) {
	t.Parallel()
	w, _, caFile, _ := tlsWorld(t, "ppm.test")
	u, err := url.Parse(w.ppm.URL())
	if err != nil {
		t.Fatal(err)
	}
	address := "https://ppm.test:" + u.Port()
	proxy := startConnectProxy(t)
	w.set("PACKAGEMANAGER_ADDRESS", address)
	w.set("SSL_CERT_FILE", caFile)
	w.set("HTTPS_PROXY", proxy.URL())
	req := gitRequest("https", "ppm.test:"+u.Port(), "")
	r := w.run(req, "get")
	tok := attr(r.stdout, "password")
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("get through the proxy: code %d stderr %q", r.code, r.stderr)
	}
	if got := proxy.Targets(); len(got) != 1 || got[0] != "CONNECT ppm.test:"+u.Port() {
		t.Fatalf("the proxy was asked %q; want one CONNECT to ppm.test:%s", got, u.Port())
	}
	trace, _ := os.ReadFile(w.trace)
	for _, line := range []string{address + " goes through the proxy " + proxy.URL(), "TLS: trusting the system's certificate authorities and 1 certificate from SSL_CERT_FILE=" + caFile} {
		if !strings.Contains(string(trace), line) {
			t.Errorf("the trace does not say %q:\n%s", line, trace)
		}
	}
	d := w.run("", "doctor")
	if !strings.Contains(d.stdout, address+": requests go through the proxy "+proxy.URL()) || !strings.Contains(d.stdout, "reachable over TLS") {
		t.Errorf("doctor does not say the proxy carries the traffic: %q", d.stdout)
	}
	// NO_PROXY: direct, and ppm.test resolves nowhere, so it fails in one
	// line naming the host, without asking the proxy.
	if r := w.run("", "logout"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	before := len(proxy.Targets())
	w.set("NO_PROXY", "ppm.test")
	r = w.run(req, "get")
	if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "ppm.test") {
		t.Errorf("with NO_PROXY: code %d stderr %q; want one line about ppm.test", r.code, r.stderr)
	}
	if len(proxy.Targets()) != before {
		t.Errorf("with NO_PROXY=ppm.test the proxy was still used: %q", proxy.Targets())
	}
	w.assertNoSecretsLeaked(tok)
}

// Requests to the address go through a SOCKS5 proxy with a password
// (socks5h://user:password@…, as an `ssh -D` forward or a corporate SOCKS
// gateway is set): the name ppm.test goes to the proxy as a name, TLS runs
// end to end over the tunnel; the trace and doctor name the proxy with the
// password redacted; a wrong password fails in one line naming the proxy;
// NO_PROXY sends requests direct.
func TestSOCKS5Proxy(t *testing.T) {
	t.Parallel()
	const proxyUser, proxyPass = "ppm-user", "socks-Secret-77"
	w, _, caFile, _ := tlsWorld(t, "ppm.test")
	u, err := url.Parse(w.ppm.URL())
	if err != nil {
		t.Fatal(err)
	}
	address := "https://ppm.test:" + u.Port()
	proxy := socks5test.Start(t)
	proxy.Names = []string{"ppm.test"}
	proxy.User, proxy.Password = proxyUser, proxyPass
	w.set("PACKAGEMANAGER_ADDRESS", address)
	w.set("SSL_CERT_FILE", caFile)
	w.set("HTTPS_PROXY", proxy.URL("socks5h", proxyUser, proxyPass))
	req := gitRequest("https", "ppm.test:"+u.Port(), "")
	r := w.run(req, "get")
	tok := attr(r.stdout, "password")
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("get through the SOCKS5 proxy: code %d stderr %q", r.code, r.stderr)
	}
	want := "domain ppm.test:" + u.Port()
	if got := proxy.Requests(); len(got) != 1 || got[0].Target != want || !got[0].Auth || got[0].User != proxyUser {
		t.Fatalf("the proxy was asked %+v; want one authenticated connection to %s", got, want)
	}
	// As for an http proxy with a password: the trace's redactor marks it.
	redacted := "socks5h://" + proxyUser + ":[redacted]@" + proxy.Addr()
	trace, _ := os.ReadFile(w.trace)
	if line := address + " goes through the proxy " + redacted; !strings.Contains(string(trace), line) {
		t.Errorf("the trace does not say %q:\n%s", line, trace)
	}
	d := w.run("", "doctor")
	if line := address + ": requests go through the proxy socks5h://" + proxyUser + "@" + proxy.Addr(); !strings.Contains(d.stdout, line) || !strings.Contains(d.stdout, "reachable over TLS") {
		t.Errorf("doctor does not say %q and reachable over TLS: %q", line, d.stdout)
	}
	if got := proxy.Targets(); len(got) != 2 || got[1] != want {
		t.Errorf("after doctor the proxy was asked %q; want get's and doctor's connection to %s", got, want)
	}
	// The wrong password: one line naming the proxy, not the password.
	if r := w.run("", "logout"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	w.set("HTTPS_PROXY", proxy.URL("socks5h", proxyUser, "wrong-Secret-88"))
	r = w.run(req, "get")
	if line := "the proxy socks5h://" + proxy.Addr() + " refused the user name and password; check them in HTTPS_PROXY"; r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, line) {
		t.Errorf("wrong proxy password: code %d stderr %q; want one line saying %q", r.code, r.stderr, line)
	}
	// A proxy that is not there: get and doctor say so, naming it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	ln.Close()
	w.set("HTTPS_PROXY", "socks5://"+proxyUser+":"+proxyPass+"@"+gone)
	r = w.run(req, "get")
	if line := "the proxy socks5://" + gone + " cannot be reached ("; r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, line) {
		t.Errorf("proxy not there: code %d stderr %q; want one line saying %q", r.code, r.stderr, line)
	}
	dg := w.run("", "doctor")
	if line := address + ": not reachable: the proxy socks5://" + gone + " cannot be reached ("; !strings.Contains(dg.stdout, line) {
		t.Errorf("doctor with the proxy not there does not say %q: %q", line, dg.stdout)
	}
	// NO_PROXY: direct, and ppm.test resolves nowhere, so it fails in one
	// line naming the host, without asking the proxy.
	w.set("HTTPS_PROXY", proxy.URL("socks5h", proxyUser, proxyPass))
	w.set("NO_PROXY", "ppm.test")
	before := len(proxy.Requests())
	r = w.run(req, "get")
	if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "ppm.test") {
		t.Errorf("with NO_PROXY: code %d stderr %q; want one line about ppm.test", r.code, r.stderr)
	}
	if got := proxy.Requests(); len(got) != before {
		t.Errorf("with NO_PROXY=ppm.test the proxy was still used: %+v", got[before:])
	}
	for _, out := range []string{d.stdout, d.stderr, dg.stdout, dg.stderr, string(trace)} {
		if strings.Contains(out, proxyPass) || strings.Contains(out, "wrong-Secret-88") {
			t.Errorf("the proxy's password was printed: %q", out)
		}
	}
	w.assertNoSecretsLeaked(tok, proxyPass, "wrong-Secret-88")
}
