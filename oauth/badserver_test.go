package oauth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/socks5test"
)

// endpointCall runs one of the three requests against a client.
type endpointCall struct {
	path string
	run  func(ctx context.Context, c *Client, clock *fakeClock) error
}

var endpointCalls = []endpointCall{
	{PathDevice, func(ctx context.Context, c *Client, _ *fakeClock) error {
		_, err := c.StartDevice(ctx)
		return err
	}},
	{PathDeviceAccess, func(ctx context.Context, c *Client, clock *fakeClock) error {
		_, err := c.PollDevice(ctx, newDA(clock))
		return err
	}},
	{PathToken, func(ctx context.Context, c *Client, _ *fakeClock) error {
		_, err := c.Exchange(ctx, secretID)
		return err
	}},
}

// echo is everything the request carried, for handlers that send it back.
func echo(r *http.Request) string {
	_ = r.ParseForm()
	var parts []string
	for _, vs := range r.PostForm {
		parts = append(parts, vs...)
	}
	return strings.Join(parts, " ")
}

// TestBadServers runs every kind of wrong answer against every endpoint,
// with handlers that echo the request's secrets (and an access token) into
// their answers wherever they can. Each error must be one sentence naming
// the endpoint and what to do, and carry no secret in any formatting.
func TestBadServers(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other host got a request: %s %s", r.Method, r.URL)
	}))
	defer other.Close()

	type handler = http.HandlerFunc
	cases := []struct {
		name string
		h    handler
		want string
	}{
		{"HTML login page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<html><body>Sign in %s</body></html>", echo(r))
		}, "web page instead of JSON"},
		{"HTML without a content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			fmt.Fprintf(w, "\n <!doctype html><p>%s", echo(r))
		}, "web page instead of JSON"},
		{"500 text", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom "+echo(r), 500) }, "500 Internal Server Error"},
		{"502 proxy page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprintf(w, "<html>bad gateway %s</html>", echo(r))
		}, "502 Bad Gateway with a web page"},
		{"503 OAuth error", func(w http.ResponseWriter, r *http.Request) {
			jsonHandler(503, fmt.Sprintf(`{"error":"temporarily_unavailable","error_description":%q}`, echo(r)))(w, r)
		}, "try again later"},
		{"truncated JSON", func(w http.ResponseWriter, r *http.Request) {
			jsonHandler(200, `{"access_token":"`+secretAccess+`","id_token":"`+secretAccess)(w, r)
		}, "JSON that is cut off"},
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			jsonHandler(200, `{"access_token":`+secretAccess+`}`)(w, r)
		}, "malformed JSON"},
		{"JSON array", jsonHandler(200, `["`+secretAccess+`"]`), "not an object"},
		{"empty 200", jsonHandler(200, ""), "empty body"},
		{"over 1 MiB, chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			e := echo(r)
			for i := 0; i < (maxBody/len(e))+2; i++ {
				fmt.Fprint(w, e)
			}
		}, "more than 1 MiB"},
		{"over 1 MiB, announced", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(maxBody+1))
			fmt.Fprint(w, strings.Repeat(" ", maxBody+1))
		}, "more than 1 MiB"},
		{"exactly 1 MiB of nothing useful", func(w http.ResponseWriter, r *http.Request) {
			jsonHandler(200, `{"x":"`+strings.Repeat("y", maxBody-8)+`"}`)(w, r)
		}, "without"},
		{"200 without the required field", jsonHandler(200, `{"token_type":"Bearer","note":"`+secretAccess+`"}`), "without"},
		{"wrong types", jsonHandler(200, `{"access_token":42,"id_token":42,"device_code":42}`), "PACKAGEMANAGER_ADDRESS"},
		{"token with a newline", jsonHandler(200, `{"access_token":"`+secretAccess+`\n","id_token":"`+secretAccess+`\n","device_code":"`+secretAccess+`\n","user_code":"u","verification_uri":"https://x.example/"}`), "not a plain token"},
		{"400 echoing secrets as code and description", func(w http.ResponseWriter, r *http.Request) {
			e := echo(r)
			jsonHandler(400, fmt.Sprintf(`{"error":%q,"error_description":%q}`, strings.ReplaceAll(e, " ", "_"), e+" other token "+secretOtherJWT))(w, r)
		}, "400 Bad Request with error"},
		{"401 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="corp"`)
			http.Error(w, "auth required "+echo(r), http.StatusUnauthorized)
		}, "proxy"},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "404 Not Found"},
		{"204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, "204 No Content instead of 200 OK"},
		{"redirect to another host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path+"?leak="+url.QueryEscape(echo(r)), http.StatusTemporaryRedirect)
		}, "redirected to " + other.URL},
		{"redirect downgrading to http", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+r.URL.Path, http.StatusFound)
		}, "redirected to http://"},
		{"answer cut off midway", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			fmt.Fprint(w, `{"access_token":"`+secretAccess)
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, "cut off"},
	}
	for _, c := range cases {
		for _, ec := range endpointCalls {
			t.Run(c.name+" "+ec.path, func(t *testing.T) {
				var srv *httptest.Server
				if strings.Contains(c.name, "downgrading") {
					srv = httptest.NewTLSServer(http.HandlerFunc(c.h))
				} else {
					srv = httptest.NewServer(http.HandlerFunc(c.h))
				}
				defer closeServer(srv)
				clock := &fakeClock{t: t0}
				cl := newClient(srv, clock)
				if srv.TLS != nil {
					cl.HTTP = clientTrusting(t, srv.Certificate())
				}
				err := ec.run(context.Background(), cl, clock)
				checkErr(t, err, c.want, ec.path)
			})
		}
	}
}

// TestUnreachable: a server that does not answer in time, and no server.
func TestUnreachable(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer stuck.Close()
	defer close(release)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	for _, ec := range endpointCalls {
		t.Run("no answer in time "+ec.path, func(t *testing.T) {
			clock := &fakeClock{t: t0}
			hc := NewHTTPClient()
			hc.Timeout = 100 * time.Millisecond
			c := &Client{BaseURL: stuck.URL, HTTP: hc, Now: clock.Now, Sleep: clock.Sleep}
			checkErr(t, ec.run(context.Background(), c, clock), "no answer within 100ms", ec.path)
		})
		t.Run("connection refused "+ec.path, func(t *testing.T) {
			clock := &fakeClock{t: t0}
			c := &Client{BaseURL: closed, Now: clock.Now, Sleep: clock.Sleep}
			checkErr(t, ec.run(context.Background(), c, clock), "connection refused", ec.path)
		})
	}
}

// TestThroughASOCKS5Proxy: a token exchange through a SOCKS5 proxy with
// a password, and one through a proxy that is not there or refuses the
// password: one line naming the proxy, never its password.
func TestThroughASOCKS5Proxy(t *testing.T) {
	srv := httptest.NewTLSServer(jsonHandler(200, `{"access_token":"opaque","expires_in":120}`))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate()) // it names example.com
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	proxy := socks5test.Start(t)
	proxy.Names = []string{"example.com"}
	proxy.User, proxy.Password = "me", "proxy-Secret-1"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	ln.Close()
	for _, c := range []struct{ proxy, want string }{
		{proxy.URL("socks5h", "me", "proxy-Secret-1"), ""},
		{proxy.URL("socks5h", "me", "wrong-Secret-2"), "could not reach https://example.com:" + port + " for /__api__/token: the proxy socks5h://" + proxy.Addr() + " refused the user name and password; check them in HTTPS_PROXY"},
		{"socks5://me:proxy-Secret-1@" + gone, "could not reach https://example.com:" + port + " for /__api__/token: the proxy socks5://" + gone + " cannot be reached ("},
	} {
		getenv := func(k string) string {
			if k == "HTTPS_PROXY" {
				return c.proxy
			}
			return ""
		}
		cl := &Client{BaseURL: "https://example.com:" + port, HTTP: clientTrusting(t, srv.Certificate(), "HTTPS_PROXY", getenv("HTTPS_PROXY"))}
		_, err := cl.Exchange(context.Background(), "an-identity-token")
		if c.want == "" {
			if err != nil {
				t.Errorf("exchange through %s: %v", c.proxy, err)
			}
			continue
		}
		checkErr(t, err, c.want, PathToken)
		if strings.Contains(err.Error(), "Secret") {
			t.Errorf("the proxy's password is in %q", err)
		}
	}
	if got := proxy.Targets(); len(got) != 2 || got[0] != "domain example.com:"+port || got[1] != "" {
		t.Errorf("the proxy saw %q; want one CONNECT to example.com:%s, then one refused login", got, port)
	}
}

// TestDeviceAccessStops: errors other than pending and slow_down end the
// polling at once, as errors.As-able *ServerError when the server said why.
func TestDeviceAccessStops(t *testing.T) {
	cases := []struct {
		name   string
		h      http.HandlerFunc
		want   string
		status int
	}{
		{"unknown OAuth error", jsonHandler(400, `{"error":"invalid_grant","error_description":"wrong verifier"}`), "invalid_grant (wrong verifier)", 400},
		{"400 without a body", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400) }, "400 Bad Request", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); c.h(w, r) }))
			defer srv.Close()
			clock := &fakeClock{t: t0}
			_, err := newClient(srv, clock).PollDevice(context.Background(), newDA(clock))
			checkErr(t, err, c.want, PathDeviceAccess)
			var se *ServerError
			if !errors.As(err, &se) || se.Status != c.status || n.Load() != 1 {
				t.Errorf("err %#v after %d polls; want a *ServerError %d after one poll", err, n.Load(), c.status)
			}
		})
	}
}

// closeServer also drops connections a handler is still writing to: the
// client may have hung up on a large answer without the server's write
// failing (seen under Wine), and Close alone waits for such handlers.
func closeServer(srv *httptest.Server) {
	srv.CloseClientConnections()
	srv.Close()
}
