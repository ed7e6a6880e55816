package httpc

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func get(t *testing.T, c *Client, rawURL string) (*Response, string, error) {
	t.Helper()
	req, err := NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(context.Background(), req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestRequestAndAnswer(t *testing.T) {
	var seen *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(201)
		fmt.Fprint(w, "created")
	}))
	defer srv.Close()
	req, _ := NewRequest("POST", srv.URL+"/a/b?q=1", []byte("x=1&y=2"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&Client{}).Do(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Status != "201 Created" || string(b) != "created" || resp.Header.Get("X-Answer") != "yes" || resp.ContentLength != 7 {
		t.Errorf("answer %d %q %q %v %d", resp.StatusCode, resp.Status, b, resp.Header, resp.ContentLength)
	}
	if seen.Method != "POST" || seen.URL.RequestURI() != "/a/b?q=1" || body != "x=1&y=2" || seen.ContentLength != 7 ||
		seen.Header.Get("User-Agent") != UserAgent || seen.Host != strings.TrimPrefix(srv.URL, "http://") ||
		seen.Header.Get("Accept-Encoding") != "" || seen.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("request %s %s %q %d %v host %s", seen.Method, seen.URL, body, seen.ContentLength, seen.Header, seen.Host)
	}
}

func TestChunkedAndReadToClose(t *testing.T) {
	big := strings.Repeat("0123456789", 10000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(big); i += 4096 {
			io.WriteString(w, big[i:min(i+4096, len(big))])
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	resp, b, err := get(t, &Client{}, srv.URL)
	if err != nil || b != big || resp.ContentLength != -1 {
		t.Fatalf("chunked: %v, %d bytes, length %d", err, len(b), resp.ContentLength)
	}
	raw := rawServer(t, func(c net.Conn) {
		readHead(c)
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\nuntil close")
	})
	if _, b, err := get(t, &Client{}, raw); err != nil || b != "until close" {
		t.Fatalf("read to close: %q, %v", b, err)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	defer srv.Close()
	if _, _, err := get(t, &Client{}, srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an unknown CA was trusted: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	calls := 0
	c := &Client{RootCAs: func() (*x509.CertPool, error) { calls++; return pool, nil }}
	for range 2 {
		if _, b, err := get(t, c, srv.URL); err != nil || b != "secure" {
			t.Fatalf("with the CA: %q, %v", b, err)
		}
	}
	if calls != 1 {
		t.Errorf("RootCAs called %d times; want once", calls)
	}
	bad := errors.New("bad roots")
	if _, _, err := get(t, &Client{RootCAs: func() (*x509.CertPool, error) { return nil, bad }}, srv.URL); !errors.Is(err, bad) {
		t.Errorf("the roots' error became %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var mu sync.Mutex
	var log []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		log = append(log, "other "+r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		log = append(log, r.Method+" "+r.URL.Path+" "+string(b)+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		switch r.URL.Path {
		case "/307":
			http.Redirect(w, r, "/end", http.StatusTemporaryRedirect)
		case "/302":
			http.Redirect(w, r, "/end", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
		default:
			io.WriteString(w, "end")
		}
	}))
	defer srv.Close()
	post := func(c *Client, path string) (*Response, error) {
		req, _ := NewRequest("POST", srv.URL+path, []byte("form"))
		req.Header.Set("Authorization", "Bearer t")
		return c.Do(context.Background(), req)
	}
	for _, path := range []string{"/307", "/302"} {
		log = nil
		resp, err := post(&Client{}, path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
		want := "POST /end form Bearer t"
		if path == "/302" {
			want = "GET /end  Bearer t"
		}
		if len(log) != 2 || log[1] != want {
			t.Errorf("%s: %q; want the second request %q", path, log, want)
		}
	}
	log = nil
	if resp, err := post(&Client{}, "/away"); err != nil || len(log) != 2 || log[1] != "other " {
		t.Errorf("redirect to another host: %v, %q; want it followed without the Authorization", err, log)
	} else {
		resp.Body.Close()
	}
	if _, err := post(&Client{}, "/loop"); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("loop: %v", err)
	}
	refused := errors.New("refused")
	var via []*Request
	c := &Client{CheckRedirect: func(r *Request, v []*Request) error { via = v; return refused }}
	if _, err := post(c, "/307"); !errors.Is(err, refused) || len(via) != 1 || via[0].URL.Path != "/307" {
		t.Errorf("CheckRedirect: %v, via %v", err, via)
	}
}

// rawServer answers each connection with serve; it returns its URL.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
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
	return "http://" + l.Addr().String() + "/x"
}

// readHead reads a request's head.
func readHead(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		l, err := br.ReadString('\n')
		if err != nil || l == "\r\n" {
			return
		}
	}
}

// TestMisbehavingServers: each ends in one clear error, quickly.
func TestMisbehavingServers(t *testing.T) {
	cases := []struct {
		name  string
		serve func(net.Conn)
		want  string
	}{
		{"bad status line", func(c net.Conn) { readHead(c); io.WriteString(c, "SSH-2.0-OpenSSH\r\n\r\n") }, "not HTTP/1.x"},
		{"bad status code", func(c net.Conn) { readHead(c); io.WriteString(c, "HTTP/1.1 2x0 OK\r\n\r\n") }, "malformed status line"},
		{"no answer", func(c net.Conn) { readHead(c) }, "closed the connection with no answer"},
		{"huge header", func(c net.Conn) {
			readHead(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\n")
			line := "X-Big: " + strings.Repeat("a", 1000) + "\r\n"
			for i := 0; i < 2000; i++ {
				if _, err := io.WriteString(c, line); err != nil {
					return
				}
			}
		}, "header over 1 MiB"},
		{"malformed header", func(c net.Conn) { readHead(c); io.WriteString(c, "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n") }, "malformed header"},
		{"truncated chunked body", func(c net.Conn) {
			readHead(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly a few")
		}, "unexpected EOF"},
		{"bad chunk size", func(c net.Conn) {
			readHead(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
		}, "malformed chunk size"},
		{"close mid-body", func(c net.Conn) {
			readHead(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
		}, "unexpected EOF"},
		{"gzip transfer encoding", func(c net.Conn) {
			readHead(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
		}, "transfer encoding"},
		{"bad content length", func(c net.Conn) { readHead(c); io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n") }, "malformed Content-Length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := rawServer(t, c.serve)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := NewRequest("GET", u, nil)
			resp, err := (&Client{}).Do(ctx, req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v; want one line containing %q", err, c.want)
			}
			if ctx.Err() != nil {
				t.Fatalf("the client waited for the deadline: %v", err)
			}
		})
	}
}

// TestDeadlines: a server that stops answering, before the head and in the
// middle of the body, is cut off at Timeout or the context's deadline with
// a timeout error; a cancelled context ends the request with ctx.Err().
func TestDeadlines(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	silent := rawServer(t, func(c net.Conn) { readHead(c); <-release })
	midway := rawServer(t, func(c net.Conn) {
		readHead(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
		<-release
	})
	isTimeout := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	for _, u := range []string{silent, midway} {
		start := time.Now()
		_, _, err := get(t, &Client{Timeout: 100 * time.Millisecond}, u)
		if !isTimeout(err) || time.Since(start) > 5*time.Second {
			t.Errorf("%s with Timeout: %v after %s; want a timeout", u, err, time.Since(start))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		req, _ := NewRequest("GET", u, nil)
		resp, err := (&Client{}).Do(ctx, req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		cancel()
		if !isTimeout(err) {
			t.Errorf("%s with a context deadline: %v; want a timeout", u, err)
		}
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		resp, err = (&Client{}).Do(ctx, req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s cancelled: %v; want context.Canceled", u, err)
		}
	}
}

func TestStatusTextAndTime(t *testing.T) {
	for code := 100; code < 600; code++ {
		if got, want := StatusText(code), http.StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q; net/http says %q", code, got, want)
		}
	}
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"} {
		got, err := ParseTime(s)
		want, werr := http.ParseTime(s)
		if err != nil || werr != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; net/http: %v, %v", s, got, err, want, werr)
		}
	}
	if _, err := ParseTime("yesterday"); err == nil {
		t.Error("ParseTime accepted nonsense")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestMediaType(t *testing.T) {
	for in, want := range map[string]string{"text/html; charset=utf-8": "text/html", " Application/JSON ": "application/json", "": "", "text/plain;": "text/plain"} {
		if got := MediaType(in); got != want {
			t.Errorf("MediaType(%q) = %q; want %q", in, got, want)
		}
	}
}
