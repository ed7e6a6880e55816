package fakeppm

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start runs a fake with opts for the length of the test.
func start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// answer is a decoded JSON answer.
type answer struct {
	status int
	body   map[string]any
}

func (a answer) str(key string) string { s, _ := a.body[key].(string); return s }

func post(t testing.TB, u string, form url.Values) answer {
	t.Helper()
	a, err := postErr(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// postErr is post for goroutines other than the test's.
func postErr(u string, form url.Values) (answer, error) {
	resp, err := client.PostForm(u, form)
	if err != nil {
		return answer{}, fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("POST %s: reading the answer: %w", u, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return answer{}, fmt.Errorf("POST %s answered Content-Type %q: %s", u, ct, raw)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return answer{}, fmt.Errorf("POST %s answered non-JSON: %w: %s", u, err, raw)
	}
	return answer{resp.StatusCode, body}, nil
}

const verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789"

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// startDevice begins a device login with the test verifier.
func startDevice(t testing.TB, s *Server) (deviceCode, userCode string) {
	t.Helper()
	a := post(t, s.URL()+"/__api__/device", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {challenge(verifier)}})
	if a.status != 200 || a.str("device_code") == "" || a.str("user_code") == "" {
		t.Fatalf("POST /__api__/device: %d %v", a.status, a.body)
	}
	return a.str("device_code"), a.str("user_code")
}

func poll(t testing.TB, s *Server, deviceCode, v string) answer {
	t.Helper()
	return post(t, s.URL()+"/__api__/device_access", url.Values{"device_code": {deviceCode}, "code_verifier": {v}})
}

func exchange(t testing.TB, s *Server, subjectToken string) answer {
	t.Helper()
	return post(t, s.URL()+"/__api__/token", url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {subjectToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
	})
}

// ppmToken gets a PPM token through the exchange.
func ppmToken(t testing.TB, s *Server, subject string) string {
	t.Helper()
	a := exchange(t, s, s.IssueIdentityToken(subject))
	if a.status != 200 || a.str("access_token") == "" {
		t.Fatalf("exchange: %d %v", a.status, a.body)
	}
	return a.str("access_token")
}

// jwtClaims decodes a JWT's claims without checking it.
func jwtClaims(t testing.TB, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("JWT claims: %v", err)
	}
	return c
}

// get fetches u with optional Basic credentials.
func get(t testing.TB, u, user, pass string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp, body
}
