package httpc

import (
	"bufio"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestProxyFor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	const p = "http://proxy.corp:3128"
	cases := []struct {
		env  func(string) string
		url  string
		want string // "" = direct
	}{
		{env("HTTPS_PROXY", p), "https://ppm.example.com", p},
		{env("https_proxy", p), "https://ppm.example.com", p},
		{env("HTTPS_PROXY", p, "https_proxy", "http://other:1"), "https://ppm.example.com", p},
		{env("HTTPS_PROXY", p), "http://ppm.example.com", ""},
		{env("HTTP_PROXY", p), "http://ppm.example.com", p},
		{env("HTTP_PROXY", p, "REQUEST_METHOD", "GET"), "http://ppm.example.com", ""},
		{env("HTTPS_PROXY", "proxy.corp:3128"), "https://ppm.example.com", p},
		{env("HTTPS_PROXY", p), "https://localhost:8443", ""},
		{env("HTTPS_PROXY", p), "https://127.0.0.2", ""},
		{env("HTTPS_PROXY", p), "https://[::1]:443", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "*"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "example.com"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "example.com"), "https://example.com", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "example.com"), "https://notexample.com", p},
		{env("HTTPS_PROXY", p, "NO_PROXY", ".example.com"), "https://example.com", p},
		{env("HTTPS_PROXY", p, "NO_PROXY", ".example.com"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "*.example.com"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", p, "no_proxy", " other.org , PPM.example.com"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "ppm.example.com:8443"), "https://ppm.example.com", p},
		{env("HTTPS_PROXY", p, "NO_PROXY", "ppm.example.com:443"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "10.0.0.0/8"), "https://10.1.2.3", ""},
		{env("HTTPS_PROXY", p, "NO_PROXY", "10.0.0.0/8"), "https://11.1.2.3", p},
		{env("HTTPS_PROXY", p, "NO_PROXY", "192.168.1.5"), "https://192.168.1.5:9", ""},
		{nil, "https://ppm.example.com", ""},
		// SOCKS5, under the same rules.
		{env("HTTPS_PROXY", "socks5://proxy.corp"), "https://ppm.example.com", "socks5://proxy.corp"},
		{env("HTTP_PROXY", "socks5h://u:pw@proxy.corp:1081"), "http://ppm.example.com", "socks5h://u:pw@proxy.corp:1081"},
		{env("HTTPS_PROXY", "socks5h://proxy.corp"), "https://127.0.0.1", ""},
		{env("HTTPS_PROXY", "socks5://proxy.corp", "NO_PROXY", ".example.com"), "https://ppm.example.com", ""},
		{env("HTTPS_PROXY", "socks5://proxy.corp", "NO_PROXY", ".example.com"), "https://ppm.example.org", "socks5://proxy.corp"},
	}
	for i, c := range cases {
		got, err := ProxyFor(c.env, mustURL(c.url))
		if err != nil || (got == nil) != (c.want == "") || (got != nil && got.String() != c.want) {
			t.Errorf("case %d (%s): %v, %v; want %q", i, c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{"http://[::1", "socks4://proxy.corp:1080", "ftp://proxy.corp"} {
		if _, err := ProxyFor(env("HTTPS_PROXY", bad), mustURL("https://ppm.example.com")); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("HTTPS_PROXY=%s: %v; want one line", bad, err)
		}
	}
}

func TestProxyDefaultPorts(t *testing.T) {
	for u, want := range map[string]string{
		"socks5://p": "p:1080", "socks5h://p": "p:1080", "socks5://p:9": "p:9",
		"http://p": "p:80", "https://p": "p:443",
	} {
		if got := hostPort(mustURL(u)); got != want {
			t.Errorf("%s dials %s; want %s", u, got, want)
		}
	}
}

// connectProxy tunnels CONNECT requests for proxy.test to the loopback
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

func TestThroughAProxy(t *testing.T) {
	p := &connectProxy{}
	proxyURL := strings.TrimSuffix(rawServer(t, p.serve), "/x")
	proxyURL = strings.Replace(proxyURL, "http://", "http://user:pw@", 1)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls "+r.Host) }))
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain "+r.URL.Path) }))
	defer plain.Close()
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	var traced []string
	c := &Client{
		Getenv: func(k string) string {
			if k == "HTTPS_PROXY" || k == "HTTP_PROXY" {
				return proxyURL
			}
			return ""
		},
		RootCAs: func() (*x509.CertPool, error) { return pool, nil },
		Trace:   func(f string, a ...any) { traced = append(traced, strings.SplitN(f, " ", 2)[0]) },
	}
	// httptest's certificate names example.com; the proxy maps any name to
	// the loopback address.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(tlsSrv.URL, "https://"))
	if _, b, err := get(t, c, "https://example.com:"+port+"/s"); err != nil || b != "tls example.com:"+port {
		t.Fatalf("https through the proxy: %q, %v", b, err)
	}
	_, pport, _ := net.SplitHostPort(strings.TrimPrefix(plain.URL, "http://"))
	if _, b, err := get(t, c, "http://example.com:"+pport+"/p?q=1"); err != nil || b != "plain /p" {
		t.Fatalf("http through the proxy: %q, %v", b, err)
	}
	auth := "Basic dXNlcjpwdw=="
	want := []string{"CONNECT example.com:" + port + " " + auth, "GET http://example.com:" + pport + "/p?q=1 " + auth}
	if strings.Join(p.seen, "|") != strings.Join(want, "|") {
		t.Errorf("the proxy saw %q; want %q", p.seen, want)
	}
	if len(traced) != 4 {
		t.Errorf("trace lines %q; want a proxy line and a request line per request", traced)
	}
	// A proxy that refuses the tunnel.
	refusing := strings.TrimSuffix(rawServer(t, func(c net.Conn) {
		readHead(c)
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
	}), "/x")
	c2 := &Client{Getenv: func(k string) string {
		if k == "HTTPS_PROXY" {
			return refusing
		}
		return ""
	}}
	if _, _, err := get(t, c2, "https://example.com/"); err == nil || !strings.Contains(err.Error(), "refused the tunnel to example.com:443: 407 Proxy Authentication Required") || strings.Contains(err.Error(), "pw") {
		t.Errorf("refused tunnel: %v", err)
	}
}
