package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Secret-looking values in play in the tests; no error text may contain
// them.
const (
	secretID       = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWlkZW50aXR5LXRva2Vu.c2lnbmF0dXJlLXNlY3JldA"
	secretDevice   = "device-code-SECRET-4242"
	secretVerifier = "verifier-SECRET-0123456789-abcdefghijklmnopqrstuvw"
	secretAccess   = "ppm-access-token-SECRET-9999"
	// secretOtherJWT is a token the client never saw, quoted by a server.
	secretOtherJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb21lb25lLWVsc2UifQ.b3RoZXItc2lnbmF0dXJl"
)

var allSecrets = []string{secretID, secretDevice, secretVerifier, secretAccess, secretOtherJWT, "b3RoZXItc2lnbmF0dXJl",
	"c2VjcmV0LWlkZW50aXR5LXRva2Vu", "c2lnbmF0dXJlLXNlY3JldA"}

var t0 = time.Unix(1_800_000_000, 0)

// fakeClock is the injected clock and sleep: sleeping records the wait and
// moves the clock.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func newClient(srv *httptest.Server, clock *fakeClock) *Client {
	return &Client{BaseURL: srv.URL + "/", HTTP: NewHTTPClient(), Now: clock.Now, Sleep: clock.Sleep}
}

func jsonHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func newDA(clock *fakeClock) *DeviceAuth {
	return &DeviceAuth{DeviceCode: secretDevice, Verifier: secretVerifier, UserCode: "ABCD-EFGH",
		VerificationURI: "https://ppm.example.com/device", Interval: 2 * time.Second, ExpiresAt: clock.Now().Add(time.Minute)}
}

func jwtFor(claims string) string {
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + e.EncodeToString([]byte(claims)) + ".c2ln"
}

func TestStartDevice(t *testing.T) {
	var form url.Values
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.Method + " " + r.URL.Path
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		form = r.PostForm
		jsonHandler(200, `{"device_code":"dc-1","user_code":"ABCD-EFGH","verification_uri":"https://ppm.example.com/__login__/device",
			"verification_uri_complete":"https://ppm.example.com/__login__/device?code=ABCD-EFGH","expires_in":600,"interval":3}`)(w, r)
	}))
	defer srv.Close()
	clock := &fakeClock{t: t0}
	c := &Client{BaseURL: srv.URL + "/ppm/", Now: clock.Now, Sleep: clock.Sleep}
	da, err := c.StartDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if path != "POST /ppm/__api__/device" {
		t.Errorf("request %q; want POST /ppm/__api__/device (path prefix kept, trailing slash dropped)", path)
	}
	if form.Get("code_challenge_method") != "S256" || form.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(da.Verifier) {
		t.Errorf("PKCE not sent correctly: %v", form)
	}
	if form.Has("code_verifier") || len(da.Verifier) < 43 {
		t.Errorf("verifier sent early or too short (%d chars)", len(da.Verifier))
	}
	want := DeviceAuth{DeviceCode: "dc-1", UserCode: "ABCD-EFGH", VerificationURI: "https://ppm.example.com/__login__/device",
		VerificationURIComplete: "https://ppm.example.com/__login__/device?code=ABCD-EFGH",
		Interval:                3 * time.Second, ExpiresAt: t0.Add(10 * time.Minute), Verifier: da.Verifier}
	if *da != want {
		t.Errorf("got  %+v\nwant %+v", *da, want)
	}
}

// TestStartDeviceCancel: Ctrl-C ends the device request x/oauth2 sends
// (it makes its request without the caller's context).
func TestStartDeviceCancel(t *testing.T) {
	inFlight, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		<-release
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-inFlight; cancel() }()
	done := make(chan error, 1)
	go func() {
		_, err := (&Client{BaseURL: srv.URL, HTTP: NewHTTPClient()}).StartDevice(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	case <-time.After(20 * time.Second): // the client's own deadline is 30 s
		t.Fatal("a cancelled login still waits for the device request")
	}
}

// startDevice runs StartDevice against a server answering body.
func startDevice(t *testing.T, body string) (*DeviceAuth, error) {
	t.Helper()
	srv := httptest.NewServer(jsonHandler(200, body))
	defer srv.Close()
	clock := &fakeClock{t: t0}
	return newClient(srv, clock).StartDevice(context.Background())
}

// TestDeviceAnswerTimes: interval and expires_in, as x/oauth2 reads them
// (whole seconds), with the RFC's defaults (5 s, 300 s) for what is absent
// or not positive, an interval under 1 s never used, and caps.
func TestDeviceAnswerTimes(t *testing.T) {
	cases := []struct {
		name             string
		fields           string
		interval, expiry time.Duration
		refused          string
	}{
		{"absent", ``, 5 * time.Second, 300 * time.Second, ""},
		{"null", `,"interval":null,"expires_in":null`, 5 * time.Second, 300 * time.Second, ""},
		{"integers", `,"interval":7,"expires_in":900`, 7 * time.Second, 900 * time.Second, ""},
		{"one second", `,"interval":1,"expires_in":60`, time.Second, 60 * time.Second, ""},
		{"zero", `,"interval":0,"expires_in":0`, 5 * time.Second, 300 * time.Second, ""},
		{"negative", `,"interval":-3,"expires_in":-1`, 5 * time.Second, 300 * time.Second, ""},
		{"huge", `,"interval":99999999999,"expires_in":9000000`, maxInterval, maxExpiresIn, ""},
		// Not whole seconds: x/oauth2 refuses the answer; one line, no poll.
		{"sub-second interval", `,"interval":0.0001`, 0, 0, "an interval or expires_in that is not a whole number of seconds"},
		{"fraction", `,"interval":2.5,"expires_in":120.0`, 0, 0, "an interval or expires_in that is not a whole number of seconds"},
		{"strings", `,"interval":"4","expires_in":"60"`, 0, 0, "an interval or expires_in that is not a whole number of seconds"},
		{"1e300", `,"expires_in":1e300`, 0, 0, "an interval or expires_in that is not a whole number of seconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			da, err := startDevice(t, `{"device_code":"dc","user_code":"U","verification_uri":"https://ppm.example.com/d"`+c.fields+`}`)
			if c.refused != "" {
				checkErr(t, err, c.refused, PathDevice)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if da.Interval != c.interval || !da.ExpiresAt.Equal(t0.Add(c.expiry)) {
				t.Errorf("interval %s, expires in %s; want %s, %s", da.Interval, da.ExpiresAt.Sub(t0), c.interval, c.expiry)
			}
		})
	}
}

// decodeDevice is x/oauth2's reading of a device answer, and the codes'
// lifetime from it.
func decodeDevice(body []byte) (*oauth2.DeviceAuthResponse, time.Duration, error) {
	var r oauth2.DeviceAuthResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, 0, err
	}
	var left time.Duration
	if !r.Expiry.IsZero() {
		left = time.Until(r.Expiry).Round(time.Second)
	}
	return &r, left, nil
}

// TestDeviceAnswerChecks: what is printed or opened in a browser must be
// safe; a bad optional verification_uri_complete is dropped.
func TestDeviceAnswerChecks(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"missing fields", `{"device_code":"dc"}`, "without device_code"},
		{"javascript: URI", `{"device_code":"dc","user_code":"u","verification_uri":"javascript:alert(1)"}`, "not an http(s) URL"},
		{"file URI", `{"device_code":"dc","user_code":"u","verification_uri":"file:///etc/passwd"}`, "not an http(s) URL"},
		{"URI with a space", `{"device_code":"dc","user_code":"u","verification_uri":"https://a.example/ x"}`, "not an http(s) URL"},
		{"terminal escape in user code", `{"device_code":"dc","user_code":"\u001b]0;pwned\u0007","verification_uri":"https://a.example/"}`, "cannot be shown safely"},
		{"long user code", `{"device_code":"dc","user_code":"` + strings.Repeat("A", 65) + `","verification_uri":"https://a.example/"}`, "cannot be shown safely"},
		{"device code with newline", `{"device_code":"d\nc","user_code":"u","verification_uri":"https://a.example/"}`, "not a plain token"},
		{"OAuth error under 200", `{"error":"invalid_request"}`, "without device_code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, left, err := decodeDevice([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			_, err = deviceAuthFrom(r, t0, left)
			checkErr(t, err, c.want, PathDevice)
		})
	}
	r, left, _ := decodeDevice([]byte(`{"device_code":"dc","user_code":"u","verification_uri":"https://a.example/","verification_uri_complete":"javascript:x"}`))
	da, err := deviceAuthFrom(r, t0, left)
	if err != nil || da.VerificationURIComplete != "" || da.VerificationURI != "https://a.example/" {
		t.Errorf("bad verification_uri_complete: got %+v, %v; want it dropped", da, err)
	}
}

// deviceServer plays device_access: the scripted OAuth errors in order
// (status 400), then 200 with final.
func deviceServer(t *testing.T, script []string, final string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.URL.Path != PathDeviceAccess || r.PostForm.Get("device_code") != secretDevice || r.PostForm.Get("code_verifier") != secretVerifier {
			t.Errorf("poll %s without device_code/code_verifier: %v", r.URL.Path, r.PostForm)
		}
		i := int(n.Add(1)) - 1
		if i < len(script) {
			jsonHandler(400, `{"error":"`+script[i]+`"}`)(w, r)
			return
		}
		jsonHandler(200, final)(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestPollDevice(t *testing.T) {
	const s = time.Second
	cases := []struct {
		name    string
		script  []string
		final   string
		want    error
		waits   []time.Duration
		wantTok string
	}{
		{"approved at once", nil, `{"id_token":"idt","token_type":"Bearer"}`, nil, []time.Duration{2 * s}, "idt"},
		{"approved after pending", []string{"authorization_pending", "authorization_pending"}, `{"id_token":"idt"}`, nil, []time.Duration{2 * s, 2 * s, 2 * s}, "idt"},
		{"slow_down grows the interval by 5 s each time", []string{"slow_down", "authorization_pending", "slow_down"}, `{"id_token":"idt"}`, nil, []time.Duration{2 * s, 7 * s, 7 * s, 12 * s}, "idt"},
		{"pending answered as 200", nil, `{"error":"authorization_pending"}`, nil, nil, ""},
		{"denied", []string{"authorization_pending", "access_denied"}, "", ErrAccessDenied, []time.Duration{2 * s, 2 * s}, ""},
		{"expired_token", []string{"expired_token"}, "", ErrExpired, []time.Duration{2 * s}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, n := deviceServer(t, c.script, c.final)
			clock := &fakeClock{t: t0}
			tok, err := newClient(srv, clock).PollDevice(context.Background(), newDA(clock))
			if c.name == "pending answered as 200" {
				// Keeps polling until ExpiresAt: 29 polls 2 s apart in 60 s.
				if !errors.Is(err, ErrExpired) || n.Load() != 29 {
					t.Fatalf("err %v after %d polls; want ErrExpired after 29", err, n.Load())
				}
				return
			}
			if !errors.Is(err, c.want) || tok != c.wantTok {
				t.Fatalf("got %q, %v; want %q, %v", tok, err, c.wantTok, c.want)
			}
			if fmt.Sprint(clock.waits()) != fmt.Sprint(c.waits) {
				t.Errorf("waits %v; want %v", clock.waits(), c.waits)
			}
		})
	}
}

func TestPollDeviceStopsAtExpiresAt(t *testing.T) {
	pending := make([]string, 1000)
	for i := range pending {
		pending[i] = "authorization_pending"
	}
	srv, n := deviceServer(t, pending, "")
	clock := &fakeClock{t: t0}
	da := newDA(clock)
	da.ExpiresAt = t0.Add(61 * time.Second)
	_, err := newClient(srv, clock).PollDevice(context.Background(), da)
	if !errors.Is(err, ErrExpired) || n.Load() != 30 {
		t.Fatalf("err %v after %d polls; want ErrExpired after 30 polls in a 61 s window at 2 s", err, n.Load())
	}
	if w := clock.waits(); w[len(w)-1] != time.Second || !clock.Now().Equal(da.ExpiresAt) {
		t.Errorf("last wait %s, stopped at %s; want a 1 s wait to exactly ExpiresAt", w[len(w)-1], clock.Now().Sub(t0))
	}

	// Already expired: no request, no wait.
	clock = &fakeClock{t: t0}
	da = newDA(clock)
	da.ExpiresAt = t0.Add(-time.Second)
	n.Store(0)
	if _, err := newClient(srv, clock).PollDevice(context.Background(), da); !errors.Is(err, ErrExpired) || n.Load() != 0 || len(clock.waits()) != 0 {
		t.Errorf("expired flow: err %v, %d polls, waits %v; want ErrExpired at once", err, n.Load(), clock.waits())
	}
}

// TestPollDeviceInterval: no interval, or one under a second, is the RFC's
// 5 s; one second is kept; slow_down adds 5 s each time: never more than
// one poll a second.
func TestPollDeviceInterval(t *testing.T) {
	const s = time.Second
	for _, c := range []struct {
		interval time.Duration
		script   []string
		waits    string
	}{
		{0, nil, "[5s]"},
		{100 * time.Microsecond, nil, "[5s]"},
		{999 * time.Millisecond, []string{"authorization_pending"}, "[5s 5s]"},
		{s, []string{"authorization_pending", "authorization_pending"}, "[1s 1s 1s]"},
		{s, []string{"slow_down", "slow_down"}, "[1s 6s 11s]"},
	} {
		srv, _ := deviceServer(t, c.script, `{"id_token":"idt"}`)
		clock := &fakeClock{t: t0}
		da := newDA(clock)
		da.Interval = c.interval
		if _, err := newClient(srv, clock).PollDevice(context.Background(), da); err != nil || fmt.Sprint(clock.waits()) != c.waits {
			t.Errorf("interval %s, answers %v: err %v, waits %v; want %s", c.interval, c.script, err, clock.waits(), c.waits)
		}
	}
}

// scriptedPolls answers each poll with the next of its handlers, then
// approves; it checks every poll carries the code and the verifier.
func scriptedPolls(t *testing.T, script ...http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("device_code") != secretDevice || r.PostForm.Get("code_verifier") != secretVerifier {
			t.Errorf("poll without device_code/code_verifier: %v %v", r.PostForm, err)
		}
		i := int(n.Add(1)) - 1
		if i < len(script) {
			script[i](w, r)
			return
		}
		jsonHandler(200, `{"id_token":"idt"}`)(w, r)
	}))
	t.Cleanup(func() { closeServer(srv) })
	return srv, &n
}

// hangUp drops the connection without an answer.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// TestPollDeviceRidesOutFailures: 5xx answers, 429 and a dropped
// connection while polling are waited out with a growing pause (said once
// through Notice), not the end of the login; the approval after them is
// taken; an OAuth answer in between starts the pause over. (No answer in
// time is Retryable too: TestDeadlines.)
func TestPollDeviceRidesOutFailures(t *testing.T) {
	const s = time.Second
	srv, n := scriptedPolls(t,
		jsonHandler(502, `<html>bad gateway</html>`),
		jsonHandler(503, `{"error":"temporarily_unavailable"}`),
		hangUp,
		jsonHandler(429, ``),
		jsonHandler(502, ``),
		jsonHandler(504, ``),
		jsonHandler(400, `{"error":"authorization_pending"}`),
		jsonHandler(500, `{"error":"slow_down"}`),
	)
	clock := &fakeClock{t: t0}
	var notices []string
	c := &Client{BaseURL: srv.URL, HTTP: NewHTTPClient(), Now: clock.Now, Sleep: clock.Sleep, Notice: func(m string) { notices = append(notices, m) }}
	da := newDA(clock)
	da.ExpiresAt = t0.Add(10 * time.Minute)
	tok, err := c.PollDevice(context.Background(), da)
	if err != nil || tok != "idt" || n.Load() != 9 {
		t.Fatalf("got %q, %v after %d polls; want the approval after 9", tok, err, n.Load())
	}
	// interval 2 s: 2, then 4, 8, 16, 32 and 60 (the cap) after failures
	// in a row, 60 again, 2 after the pending answer, 4 after the last
	// failure.
	if got, want := fmt.Sprint(clock.waits()), fmt.Sprint([]time.Duration{2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 60 * s, 60 * s, 2 * s, 4 * s}); got != want {
		t.Errorf("waits %s; want %s", got, want)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "/__api__/device_access answered 502 Bad Gateway") || !strings.Contains(notices[0], "still waiting for the approval, trying again until the code expires at ") {
		t.Errorf("notices %q; want one, naming the first failure", notices)
	}
	// Failing until the code expires: ErrExpired, saying why.
	srv2, _ := scriptedPolls(t, slices.Repeat([]http.HandlerFunc{jsonHandler(502, ``)}, 100)...)
	clock = &fakeClock{t: t0}
	_, err = newClient(srv2, clock).PollDevice(context.Background(), newDA(clock))
	if !errors.Is(err, ErrExpired) {
		t.Fatalf("failing until the end: %v; want ErrExpired", err)
	}
	checkErr(t, err, "while Package Manager was not answering the checks: /__api__/device_access answered 502 Bad Gateway", PathDeviceAccess)
}

func TestPollDeviceNeedsDeviceAuth(t *testing.T) {
	c := &Client{BaseURL: "https://ppm.example.com"}
	for _, da := range []*DeviceAuth{nil, {}, {DeviceCode: secretDevice}} {
		if _, err := c.PollDevice(context.Background(), da); err == nil || strings.Contains(err.Error(), secretDevice) {
			t.Errorf("PollDevice(%v) = %v; want a clear error", da, err)
		}
	}
}

// TestPollDeviceCancel: Ctrl-C ends the wait between polls and a poll in
// flight, with the real timer.
func TestPollDeviceCancel(t *testing.T) {
	t.Run("while waiting", func(t *testing.T) {
		srv, n := deviceServer(t, nil, `{"id_token":"idt"}`)
		ctx, cancel := context.WithCancel(context.Background())
		slept := make(chan struct{})
		c := &Client{BaseURL: srv.URL, Sleep: func(ctx context.Context, d time.Duration) error {
			close(slept)
			<-ctx.Done() // an hour-long interval, cut short
			return ctx.Err()
		}}
		go func() { <-slept; cancel() }()
		_, err := c.PollDevice(ctx, &DeviceAuth{DeviceCode: secretDevice, Verifier: secretVerifier, Interval: time.Hour})
		if !errors.Is(err, context.Canceled) || n.Load() != 0 {
			t.Fatalf("err = %v after %d polls; want context.Canceled and no poll", err, n.Load())
		}
	})
	t.Run("default sleep", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := (&Client{}).sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Fatalf("sleep = %v; want context.Canceled", err)
		}
	})
	t.Run("during a poll", func(t *testing.T) {
		inFlight, release := make(chan struct{}), make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(inFlight)
			<-release
		}))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-inFlight; cancel() }()
		clock := &fakeClock{t: t0}
		_, err := newClient(srv, clock).PollDevice(ctx, newDA(clock))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	})
	t.Run("sleep that ignores ctx", func(t *testing.T) {
		srv, n := deviceServer(t, nil, `{"id_token":"idt"}`)
		ctx, cancel := context.WithCancel(context.Background())
		c := &Client{BaseURL: srv.URL, Sleep: func(context.Context, time.Duration) error { cancel(); return nil }}
		_, err := c.PollDevice(ctx, &DeviceAuth{DeviceCode: secretDevice, Verifier: secretVerifier})
		if !errors.Is(err, context.Canceled) || n.Load() != 0 {
			t.Fatalf("err = %v after %d polls; want context.Canceled and no poll", err, n.Load())
		}
	})
}

func TestExchange(t *testing.T) {
	tok := jwtFor(`{"sub":"alice","iat":1800000000,"exp":1800003600,"aud":"packagemanager","iss":"packagemanager"}`)
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != PathToken || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("request %s with %q", r.URL.Path, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		form = r.PostForm
		jsonHandler(200, `{"access_token":"`+tok+`","token_type":"Bearer","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","expires_in":60}`)(w, r)
	}))
	defer srv.Close()
	clock := &fakeClock{t: t0}
	got, err := newClient(srv, clock).Exchange(context.Background(), secretID+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("grant_type") != GrantTokenExchange || form.Get("subject_token") != secretID || form.Get("subject_token_type") != TokenTypeIDToken {
		t.Errorf("exchange form %v", form)
	}
	// The server's clock, from its Date header (net/http's server sets it).
	if d := time.Since(got.ServerDate); d < -2*time.Second || d > time.Minute {
		t.Errorf("ServerDate %v; want the server's Date, about now", got.ServerDate)
	}
	got.ServerDate = time.Time{}
	want := Token{Token: oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: time.Unix(1800003600, 0).UTC()}, Subject: "alice", IssuedAt: time.Unix(1800000000, 0).UTC()}
	if *got != want {
		t.Errorf("got %+v; want %+v (exp wins over expires_in)", *got, want)
	}
}

func TestExchangeExpiry(t *testing.T) {
	cases := []struct {
		name, body      string
		expiry, issued  time.Time
		subject, errSub string
		invalid         bool
	}{
		{"opaque token with expires_in", `{"access_token":"opaque","expires_in":120}`, t0.Add(2 * time.Minute), t0, "", "", false},
		{"expires_in as a string", `{"access_token":"opaque","expires_in":"60"}`, t0.Add(time.Minute), t0, "", "", false},
		{"huge expires_in, capped", `{"access_token":"opaque","expires_in":1e300}`, t0.Add(maxLifetime), t0, "", "", false},
		{"opaque token, no expiry", `{"access_token":"opaque"}`, time.Time{}, time.Time{}, "", "", false},
		{"JWT without exp uses expires_in", `{"access_token":"` + jwtFor(`{"sub":"bob","iat":1799999990}`) + `","expires_in":"30"}`, t0.Add(30 * time.Second), time.Unix(1799999990, 0).UTC(), "bob", "", false},
		{"never-expiring JWT", `{"access_token":"` + jwtFor(`{"sub":"bob"}`) + `"}`, time.Time{}, time.Time{}, "bob", "", false},
		{"JWT with exp null, whatever expires_in says", `{"access_token":"` + jwtFor(`{"sub":"bob","exp":null}`) + `","expires_in":3600}`, t0, time.Time{}, "bob", "", true},
		{"empty access_token", `{"access_token":""}`, time.Time{}, time.Time{}, "", "without an access_token", false},
		{"access_token with a newline", `{"access_token":"abc\npassword=x"}`, time.Time{}, time.Time{}, "", "not a plain token", false},
		{"access_token not a string", `{"access_token":42}`, time.Time{}, time.Time{}, "", "not a plain token", false},
	}
	// An expires_in that is not a positive number: expired on arrival, never
	// "never expires".
	for _, v := range []string{`0`, `-1`, `"-5"`, `"abc"`, `"NaN"`, `"Inf"`, `1e400`, `null`, `true`, `{}`, `""`} {
		cases = append(cases, struct {
			name, body      string
			expiry, issued  time.Time
			subject, errSub string
			invalid         bool
		}{"expires_in " + v, `{"access_token":"opaque","expires_in":` + v + `}`, t0, t0, "", "", true})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseTokenAnswer(answer{endpoint: PathToken, status: 200, contentType: "application/json", body: []byte(c.body)}, t0, nil)
			if c.errSub != "" {
				checkErr(t, err, c.errSub, PathToken)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Expiry.Equal(c.expiry) || !got.IssuedAt.Equal(c.issued) || got.Subject != c.subject || got.InvalidExpiry != c.invalid {
				t.Errorf("got %+v (invalid %v); want expiry %s, issued %s, subject %q, invalid %v", *got, got.InvalidExpiry, c.expiry, c.issued, c.subject, c.invalid)
			}
		})
	}
}

func TestExchangeNeedsSubjectToken(t *testing.T) {
	_, err := (&Client{BaseURL: "https://ppm.example.com"}).Exchange(context.Background(), " \n")
	if err == nil || !strings.Contains(err.Error(), "no identity token") {
		t.Fatalf("err = %v", err)
	}
}

func TestServerError(t *testing.T) {
	srv := httptest.NewServer(jsonHandler(400, `{"error":"invalid_grant","error_description":"token from `+secretID+` expired\n\u001b[31mred"}`))
	defer srv.Close()
	_, err := newClient(srv, &fakeClock{t: t0}).Exchange(context.Background(), secretID)
	var se *ServerError
	if !errors.As(err, &se) || se.Status != 400 || se.Code != "invalid_grant" || se.Endpoint != PathToken {
		t.Fatalf("err = %#v; want a *ServerError 400 invalid_grant at %s", err, PathToken)
	}
	if se.Description != "token from [redacted] expired  [31mred" {
		t.Errorf("description %q; want the secret and control characters gone", se.Description)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != 400 || re.ErrorDescription != se.Description {
		t.Errorf("errors.As to *oauth2.RetrieveError: %#v", re)
	}
	checkErr(t, err, "refused the identity token", PathToken)
}

func TestStringsHideSecrets(t *testing.T) {
	clock := &fakeClock{t: t0}
	da := newDA(clock)
	tok := &Token{Token: oauth2.Token{AccessToken: secretAccess, Expiry: t0}, Subject: "alice"}
	for _, v := range []any{da, *da, tok, *tok, []*DeviceAuth{da}, struct{ T Token }{*tok}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, v)
			for _, sec := range allSecrets {
				if strings.Contains(s, sec) {
					t.Errorf("Sprintf(%s, %T) shows a secret: %s", verb, v, s)
				}
			}
		}
	}
	if s := da.String(); !strings.Contains(s, "ABCD-EFGH") || !strings.Contains(s, "https://ppm.example.com/device") {
		t.Errorf("String() lost what a person needs: %s", s)
	}
}

func TestBaseURL(t *testing.T) {
	cases := []struct {
		base, want, err string
	}{
		{"https://ppm.example.com", "https://ppm.example.com/__api__/token", ""},
		{"https://ppm.example.com/", "https://ppm.example.com/__api__/token", ""},
		{"https://ppm.example.com/prefix//", "https://ppm.example.com/prefix/__api__/token", ""},
		{" https://ppm.example.com:8443/a/b ", "https://ppm.example.com:8443/a/b/__api__/token", ""},
		{"http://127.0.0.1:4242", "http://127.0.0.1:4242/__api__/token", ""},
		{"http://localhost:4242/", "http://localhost:4242/__api__/token", ""},
		{"http://[::1]:4242", "http://[::1]:4242/__api__/token", ""},
		{"http://ppm.example.com", "", "plain http"},
		{"https://user:hunter2@ppm.example.com", "", "user name or password"},
		{"ppm.example.com", "", "not an http(s) URL"},
		{"ftp://ppm.example.com", "", "not an http(s) URL"},
		{"", "", "not an http(s) URL"},
		{"https://%zz", "", "not an http(s) URL"},
	}
	for _, c := range cases {
		u, err := (&Client{BaseURL: c.base}).endpointURL(PathToken)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%q: err = %v; want one containing %q and no password", c.base, err, c.err)
			}
			continue
		}
		if err != nil || u.String() != c.want {
			t.Errorf("%q: got %v, %v; want %s", c.base, u, err, c.want)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	cases := []struct {
		from, to string
		ok       bool
	}{
		{"https://ppm.example.com/__api__/token", "https://ppm.example.com/ppm/__api__/token", true},
		{"https://ppm.example.com/x", "https://PPM.example.com:443/y", true},
		{"http://127.0.0.1/x", "http://127.0.0.1:80/y", true},
		{"https://ppm.example.com/x", "http://ppm.example.com/x", false},
		{"https://ppm.example.com:8443/x", "http://ppm.example.com:8443/x", false},
		{"https://ppm.example.com/x", "https://ppm.example.com:8443/x", false},
		{"https://ppm.example.com/x", "https://evil.example.com/x", false},
		{"https://ppm.example.com/x", "https://ppm.example.com.evil.example/x", false},
	}
	for _, c := range cases {
		from, _ := url.Parse(c.from)
		to, _ := url.Parse(c.to)
		err := sameOriginRedirects(&http.Request{URL: to}, []*http.Request{{URL: from}})
		if (err == nil) != c.ok {
			t.Errorf("%s → %s: %v; want allowed=%v", c.from, c.to, err, c.ok)
		}
	}
	u, _ := url.Parse("https://ppm.example.com/")
	via := make([]*http.Request, maxRedirects)
	for i := range via {
		via[i] = &http.Request{URL: u}
	}
	if sameOriginRedirects(&http.Request{URL: u}, via) == nil {
		t.Errorf("a redirect loop is followed forever")
	}
}

// TestSameOriginRedirectFollowed: a redirect within the server (e.g. to a
// path prefix) still works, the form kept (307).
func TestSameOriginRedirectFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == PathToken {
			http.Redirect(w, r, "/ppm"+PathToken, http.StatusTemporaryRedirect)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("subject_token") != secretID {
			t.Errorf("the redirected request lost its form: %v", err)
		}
		jsonHandler(200, `{"access_token":"ok"}`)(w, r)
	}))
	defer srv.Close()
	got, err := (&Client{BaseURL: srv.URL}).Exchange(context.Background(), secretID)
	if err != nil || got.AccessToken != "ok" {
		t.Fatalf("got %v, %v", got, err)
	}
}

// TestRedirectToAnotherHost: refused with NewHTTPClient and with an injected
// client that has no redirect policy, and the other host sees no request.
func TestRedirectToAnotherHost(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		jsonHandler(200, `{"access_token":"stolen","device_code":"d","user_code":"u","verification_uri":"https://x/"}`)(w, r)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	for _, hc := range []*http.Client{nil, NewHTTPClient(), {}} {
		c := &Client{BaseURL: srv.URL, HTTP: hc}
		_, err := c.Exchange(context.Background(), secretID)
		checkErr(t, err, "redirected to "+other.URL, PathToken)
		_, err = c.StartDevice(context.Background())
		checkErr(t, err, "refused", PathDevice)
	}
	if otherHits.Load() != 0 {
		t.Fatalf("the other host received %d requests", otherHits.Load())
	}
}

func TestOversizeAnswerIsNotRead(t *testing.T) {
	for _, announce := range []bool{true, false} {
		var written atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if announce {
				w.Header().Set("Content-Length", fmt.Sprint(1<<40))
			}
			chunk := []byte(strings.Repeat(" ", 64<<10))
			for written.Load() < 64<<20 { // endless for a client that reads it all
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}))
		_, err := (&Client{BaseURL: srv.URL}).Exchange(context.Background(), secretID)
		checkErr(t, err, "more than 1 MiB", PathToken)
		closeServer(srv)
		if written.Load() >= 64<<20 {
			t.Errorf("announce=%v: the client read the whole 64 MiB answer", announce)
		}
	}
}

// checkErr: err is one short sentence naming the endpoint, containing want,
// saying what to do, and carrying no secret.
func checkErr(t *testing.T, err error, want, endpoint string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", want)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) || !strings.Contains(msg, endpoint) {
		t.Errorf("error %q; want it to name %s and contain %q", msg, endpoint, want)
	}
	if strings.ContainsAny(msg, "\n\r") || len(msg) > 500 {
		t.Errorf("error is not one short line: %q", msg)
	}
	if !strings.Contains(msg, "check") && !strings.Contains(msg, "try again") && !strings.Contains(msg, "set ") && !strings.Contains(msg, "again") {
		t.Errorf("error does not say what to do: %q", msg)
	}
	checkNoSecret(t, err)
}

func checkNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		s := fmt.Sprintf(verb, err)
		for _, sec := range allSecrets {
			if strings.Contains(s, sec) {
				t.Errorf("error (%s) leaks a secret: %s", verb, s)
			}
		}
	}
}
