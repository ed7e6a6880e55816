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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Secret-looking values used in requests; no error may contain them.
const (
	secretID     = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWlkZW50aXR5.c2ln"
	secretDevice = "device-code-SECRET-4242"
)

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
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
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

func TestStartDeviceSendsPKCEAndAppliesDefaults(t *testing.T) {
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__api__/device" || r.Method != http.MethodPost {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		r.ParseForm()
		form = r.PostForm
		jsonHandler(200, `{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://ppm.example.com/__login__/device"}`)(w, r)
	}))
	defer srv.Close()
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	da, err := newClient(srv, clock).StartDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("code_challenge_method") != "S256" || form.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(da.Verifier) {
		t.Errorf("PKCE not sent correctly: %v", form)
	}
	if da.Interval != 5*time.Second || !da.ExpiresAt.Equal(clock.Now().Add(300*time.Second)) {
		t.Errorf("defaults: interval %s, expires %s", da.Interval, da.ExpiresAt)
	}
	if strings.Contains(da.String(), da.Verifier) || strings.Contains(da.String(), "dc") && strings.Contains(da.String(), "device_code") {
		t.Errorf("String() shows secrets: %s", da)
	}
}

// deviceServer plays device_access answering the scripted errors in order,
// then an id_token.
func deviceServer(t *testing.T, script []string, final string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("device_code") != secretDevice || r.PostForm.Get("code_verifier") == "" {
			t.Errorf("poll without device_code/code_verifier")
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

func newDA(clock *fakeClock) *DeviceAuth {
	return &DeviceAuth{DeviceCode: secretDevice, Verifier: "verifier-SECRET", UserCode: "U", Interval: 2 * time.Second, ExpiresAt: clock.Now().Add(time.Minute)}
}

func TestPollDevice(t *testing.T) {
	cases := []struct {
		name    string
		script  []string
		final   string
		want    error
		sleeps  []time.Duration
		wantTok string
	}{
		{"approved after pending", []string{"authorization_pending", "authorization_pending"}, `{"id_token":"idt"}`, nil, []time.Duration{2e9, 2e9, 2e9}, "idt"},
		{"slow_down grows interval by 5 s", []string{"slow_down", "authorization_pending", "slow_down"}, `{"id_token":"idt"}`, nil, []time.Duration{2e9, 7e9, 7e9, 12e9}, "idt"},
		{"denied", []string{"access_denied"}, "", ErrAccessDenied, []time.Duration{2e9}, ""},
		{"expired_token", []string{"expired_token"}, "", ErrExpired, []time.Duration{2e9}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := deviceServer(t, c.script, c.final)
			clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
			tok, err := newClient(srv, clock).PollDevice(context.Background(), newDA(clock))
			if !errors.Is(err, c.want) || tok != c.wantTok {
				t.Fatalf("got %q, %v; want %q, %v", tok, err, c.wantTok, c.want)
			}
			if fmt.Sprint(clock.sleeps) != fmt.Sprint(c.sleeps) {
				t.Errorf("waits %v; want %v", clock.sleeps, c.sleeps)
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
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	_, err := newClient(srv, clock).PollDevice(context.Background(), newDA(clock))
	if !errors.Is(err, ErrExpired) || n.Load() != 29 {
		t.Fatalf("err %v after %d polls; want ErrExpired after 29 polls in a 60 s window at 2 s", err, n.Load())
	}
}

func TestPollDeviceCancel(t *testing.T) {
	srv, _ := deviceServer(t, []string{"authorization_pending"}, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &Client{BaseURL: srv.URL, HTTP: NewHTTPClient()}
	done := make(chan error, 1)
	go func() {
		_, err := c.PollDevice(ctx, &DeviceAuth{DeviceCode: secretDevice, Verifier: "v", Interval: time.Hour, ExpiresAt: time.Now().Add(time.Hour)})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("PollDevice did not stop when its context was cancelled")
	}
}

func jwtFor(claims string) string {
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + e.EncodeToString([]byte(claims)) + ".sig"
}

func TestExchange(t *testing.T) {
	tok := jwtFor(`{"sub":"alice","iat":1800000000,"exp":1800003600,"aud":"packagemanager"}`)
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		form = r.PostForm
		jsonHandler(200, `{"access_token":"`+tok+`","token_type":"Bearer","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","expires_in":3600}`)(w, r)
	}))
	defer srv.Close()
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	got, err := newClient(srv, clock).Exchange(context.Background(), secretID)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("grant_type") != GrantTokenExchange || form.Get("subject_token") != secretID || form.Get("subject_token_type") != TokenTypeIDToken {
		t.Errorf("exchange form %v", form)
	}
	if got.AccessToken != tok || got.Subject != "alice" || got.Expiry.Unix() != 1800003600 {
		t.Errorf("got %+v", got)
	}
}

func TestExchangeOpaqueTokenUsesExpiresIn(t *testing.T) {
	srv := httptest.NewServer(jsonHandler(200, `{"access_token":"opaque","expires_in":120}`))
	defer srv.Close()
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	got, err := newClient(srv, clock).Exchange(context.Background(), secretID)
	if err != nil || !got.Expiry.Equal(clock.Now().Add(2*time.Minute)) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// TestBadServers: every unexpected answer is one clear error naming the
// endpoint, and never carries a secret.
func TestBadServers(t *testing.T) {
	big := strings.Repeat("x", maxBody+10)
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"HTML login page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Sign in</body></html>")
		}, "web page instead of JSON"},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, "500 Internal Server Error"},
		{"502 HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html>bad gateway</html>")
		}, "502"},
		{"truncated JSON", jsonHandler(200, `{"access_token":"abc`), "malformed JSON"},
		{"over 1 MiB", jsonHandler(200, `{"access_token":"`+big+`"}`), "more than 1 MiB"},
		{"no access_token", jsonHandler(200, `{"token_type":"Bearer"}`), "without an access_token"},
		{"wrong type", jsonHandler(200, `{"access_token":42}`), "wrong type"},
		{"OAuth error echoing the secret", jsonHandler(400, `{"error":"invalid_grant","error_description":"bad token `+secretID+`"}`), "invalid_grant"},
		{"404 no OAuth body", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "404"},
		{"204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, "204"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
			_, err := newClient(srv, clock).Exchange(context.Background(), secretID)
			checkErr(t, err, c.want, "/__api__/token")
		})
	}
}

func checkErr(t *testing.T, err error, want, endpoint string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", want)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) || !strings.Contains(msg, endpoint) {
		t.Errorf("error %q; want it to name %s and contain %q", msg, endpoint, want)
	}
	if strings.Contains(msg, "\n") || len(msg) > 400 {
		t.Errorf("error is not one short line: %q", msg)
	}
	for _, s := range []string{secretID, secretDevice, "verifier-SECRET", "c2VjcmV0LWlkZW50aXR5"} {
		if strings.Contains(msg, s) {
			t.Errorf("error leaks a secret: %q", msg)
		}
	}
}

func TestNoAnswerInTime(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := &Client{BaseURL: srv.URL, HTTP: &http.Client{Timeout: 200 * time.Millisecond, CheckRedirect: sameOriginRedirects}}
	_, err := c.Exchange(context.Background(), secretID)
	checkErr(t, err, "no answer in time", "/__api__/token")
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c := &Client{BaseURL: addr}
	_, err := c.StartDevice(context.Background())
	checkErr(t, err, "could not reach", "/__api__/device")
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		jsonHandler(200, `{"access_token":"stolen"}`)(w, r)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := (&Client{BaseURL: srv.URL}).Exchange(context.Background(), secretID)
	checkErr(t, err, "refusing a redirect", "/__api__/token")
	if otherHits.Load() != 0 {
		t.Fatalf("the other host received %d requests", otherHits.Load())
	}
}

func TestDeviceAnswerChecks(t *testing.T) {
	cases := map[string]string{
		"missing fields":         `{"device_code":"dc"}`,
		"javascript: verify URI": `{"device_code":"dc","user_code":"u","verification_uri":"javascript:alert(1)"}`,
		"file verify URI":        `{"device_code":"dc","user_code":"u","verification_uri":"file:///etc/passwd"}`,
	}
	for name, body := range cases {
		srv := httptest.NewServer(jsonHandler(200, body))
		_, err := (&Client{BaseURL: srv.URL}).StartDevice(context.Background())
		if err == nil || !strings.Contains(err.Error(), "/__api__/device") {
			t.Errorf("%s: err = %v", name, err)
		}
		srv.Close()
	}
}

func TestDeviceAccessWithoutIDToken(t *testing.T) {
	srv, _ := deviceServer(t, nil, `{"access_token":"x"}`)
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	_, err := newClient(srv, clock).PollDevice(context.Background(), newDA(clock))
	checkErr(t, err, "no id_token", "/__api__/device_access")
}

func TestDeviceAccessUnknownError(t *testing.T) {
	srv, _ := deviceServer(t, []string{"invalid_grant"}, "")
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	_, err := newClient(srv, clock).PollDevice(context.Background(), newDA(clock))
	checkErr(t, err, "invalid_grant", "/__api__/device_access")
	var se *ServerError
	if !errors.As(err, &se) || se.RetrieveError().ErrorCode != "invalid_grant" {
		t.Errorf("error is not a *ServerError with the OAuth code: %v", err)
	}
}

var _ = json.Marshal
