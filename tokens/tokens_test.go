package tokens

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/platform"
)

func TestFresh(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok := func(iat, exp time.Time) Token { return Token{Value: "x", IssuedAt: iat, Expiry: exp} }
	hour := time.Hour
	cases := []struct {
		name string
		t    Token
		min  time.Duration
		want bool
	}{
		{"empty value", Token{}, 0, false},
		{"no exp: valid until rejected", Token{Value: "x"}, 0, true},
		{"1 h token, 5 min left", tok(now.Add(-55*time.Minute), now.Add(5*time.Minute)), 0, true},
		{"1 h token, 4:59 left is close", tok(now.Add(-hour+299*time.Second), now.Add(299*time.Second)), 0, false},
		{"1 h token, 61 s left is close (pip keeps it for the whole run)", tok(now.Add(-hour+61*time.Second), now.Add(61*time.Second)), 0, false},
		{"8 min token, 2 min left (a quarter)", tok(now.Add(-6*time.Minute), now.Add(2*time.Minute)), 0, true},
		{"8 min token, 1:59 left", tok(now.Add(-6*time.Minute-time.Second), now.Add(119*time.Second)), 0, false},
		{"2 s token, 0.5 s left (margin 0.5 s)", tok(now.Add(-1500*time.Millisecond), now.Add(500*time.Millisecond)), 0, true},
		{"2 s token, 0.4 s left", tok(now.Add(-1600*time.Millisecond), now.Add(400*time.Millisecond)), 0, false},
		{"expired", tok(now.Add(-2*hour), now.Add(-hour)), 0, false},
		{"no iat: 5 min margin", tok(time.Time{}, now.Add(5*time.Minute)), 0, true},
		{"no iat: 4 min left", tok(time.Time{}, now.Add(4*time.Minute)), 0, false},
		{"exp before iat", tok(now.Add(time.Minute), now.Add(10*time.Second)), 0, false},
		{"invalid exp", Token{Value: "x", InvalidExpiry: true}, 0, false},
		{"exec wants 10 min, 9 left", tok(now.Add(-51*time.Minute), now.Add(9*time.Minute)), 10 * time.Minute, false},
		{"exec wants 10 min, 11 left", tok(now.Add(-49*time.Minute), now.Add(11*time.Minute)), 10 * time.Minute, true},
	}
	for _, c := range cases {
		if got := Fresh(c.t, now, c.min); got != c.want {
			t.Errorf("%s: Fresh = %v, want %v", c.name, got, c.want)
		}
	}
}

// memStore is an in-memory platform.Store that counts calls.
type memStore struct {
	mu   sync.Mutex
	m    map[string]string
	sets int
	fail error
}

func newMem() *memStore { return &memStore{m: map[string]string{}} }

func (s *memStore) Get(a string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[a]
	if !ok {
		return "", platform.ErrNotFound
	}
	return v, nil
}
func (s *memStore) Set(a, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.sets++
	s.m[a] = v
	return nil
}
func (s *memStore) Delete(a string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[a]; !ok {
		return platform.ErrNotFound
	}
	delete(s.m, a)
	return nil
}
func (s *memStore) Name() string     { return "mem" }
func (s *memStore) Describe() string { return "mem" }

func jwt(claims map[string]any) string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	return h + "." + enc.EncodeToString(b) + ".c2ln"
}

// exchangeServer answers the token exchange with a JWT valid for life from
// the injected clock, counting the calls.
func exchangeServer(t *testing.T, now func() time.Time, life time.Duration, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__api__/token" {
			http.NotFound(w, r)
			return
		}
		n := calls.Add(1)
		iat := now()
		w.Header().Set("Date", iat.UTC().Format(http.TimeFormat)) // the server's clock
		tok := jwt(map[string]any{"sub": fmt.Sprintf("user%d", n), "iat": iat.Unix(), "exp": iat.Add(life).Unix()})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, int(life.Seconds()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newManager(t *testing.T, clock *fakeClock, store platform.Store) *Manager {
	dir := t.TempDir()
	id := filepath.Join(dir, "id")
	if err := os.WriteFile(id, []byte("identity-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Manager{
		Store:             store,
		IdentityTokenFile: id,
		LockDir:           dir,
		HTTP:              oauth.NewHTTPClient(),
		Now:               clock.Now,
	}
}

func TestExpiryCausesExactlyOneExchange(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var calls atomic.Int32
	srv := exchangeServer(t, clock.Now, time.Hour, &calls)
	store := newMem()
	m := newManager(t, clock, store)
	ctx := context.Background()
	first, err := m.Get(ctx, srv.URL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := m.Get(ctx, srv.URL, Options{})
		if err != nil || again.Value != first.Value || again.Source != FromStore {
			t.Fatalf("get %d: %v %q from %s; want the stored token", i, err, again.Value, again.Source)
		}
	}
	clock.Add(time.Hour - 299*time.Second) // 4:59 left of an hour: close to expiry
	second, err := m.Get(ctx, srv.URL, Options{})
	if err != nil || second.Value == first.Value || second.Source != FromIdentity {
		t.Fatalf("near expiry: %v, source %s; want a new token from the exchange", err, second.Source)
	}
	third, _ := m.Get(ctx, srv.URL, Options{})
	if third.Value != second.Value {
		t.Fatalf("the renewed token was not stored")
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("exchanges = %d; want 2", n)
	}
	// exec asks for 10 minutes: a token with 9 left is renewed first.
	clock.Add(51 * time.Minute)
	fourth, _ := m.Get(ctx, srv.URL, Options{MinValidity: 10 * time.Minute})
	if fourth.Value == third.Value || calls.Load() != 3 {
		t.Fatalf("MinValidity did not renew: exchanges %d", calls.Load())
	}
}

func TestRejectDeletesOnlyTheRejectedToken(t *testing.T) {
	store, shared := newMem(), newMem()
	m := &Manager{Store: store, Shared: shared}
	store.m["https://a"] = "new"
	shared.m["https://a"] = "old"
	if err := m.Reject("https://a", "old"); err != nil {
		t.Fatal(err)
	}
	if store.m["https://a"] != "new" {
		t.Errorf("a newer token was deleted by erase of an older one")
	}
	if _, ok := shared.m["https://a"]; ok {
		t.Errorf("the rejected token in tokens.toml was kept and would be served again")
	}
	if err := m.Reject("https://a", "new"); err != nil || len(store.m) != 0 {
		t.Errorf("the rejected stored token was kept: %v %v", err, store.m)
	}
}

func TestSharedTokensFileIsUsedBeforeLogin(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	store, shared := newMem(), newMem()
	valid := jwt(map[string]any{"sub": "pak-user", "iat": clock.Now().Unix(), "exp": clock.Now().Add(time.Hour).Unix()})
	shared.m["https://ppm.example.com"] = valid
	m := &Manager{Store: store, Shared: shared, Now: clock.Now}
	got, err := m.Get(context.Background(), "https://ppm.example.com", Options{})
	if err != nil || got.Value != valid || got.Source != FromShared || got.Subject != "pak-user" {
		t.Fatalf("got %v from %s (%v); want the valid tokens.toml entry", err, got.Source, got.Subject)
	}
}

func TestNonInteractiveFailsWithoutNetwork(t *testing.T) {
	m := &Manager{Store: newMem(), Interactive: false, LockDir: t.TempDir()}
	_, err := m.Get(context.Background(), "https://ppm.example.com", Options{})
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "git-credential-ppm login") {
		t.Fatalf("err = %v; want ErrLoginRequired naming the login command", err)
	}
}

func TestStoreFailureStillServesTheToken(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var calls atomic.Int32
	srv := exchangeServer(t, clock.Now, time.Hour, &calls)
	store := newMem()
	store.fail = errors.New("keyring locked")
	m := newManager(t, clock, store)
	var warned []string
	m.Prompt = &recordingPrompt{warn: &warned}
	got, err := m.Get(context.Background(), srv.URL, Options{})
	if err != nil || got.Value == "" {
		t.Fatalf("a store failure lost the token: %v", err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "could not save") || strings.Contains(warned[0], got.Value) {
		t.Fatalf("warnings %q; want one line saying the token could not be saved, without the token", warned)
	}
}

type recordingPrompt struct{ warn *[]string }

func (p *recordingPrompt) CanReach() (bool, string)                    { return false, "test" }
func (p *recordingPrompt) ShowCode(context.Context, string, LoginCode) {}
func (p *recordingPrompt) Done(error)                                  {}
func (p *recordingPrompt) Waiting(string, int)                         {}
func (p *recordingPrompt) Warn(msg string)                             { *p.warn = append(*p.warn, msg) }
