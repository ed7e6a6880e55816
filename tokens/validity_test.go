package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const validityAddr = "https://ppm.example.com"

// storedJWT is a token of lifetime life with left to go at clock's time.
func storedJWT(clock *fakeClock, sub string, life, left time.Duration) string {
	exp := clock.Now().Add(left)
	return jwt(map[string]any{"sub": sub, "iat": exp.Add(-life).Unix(), "exp": exp.Unix()})
}

// TestThreeMinutesLeftIsRenewed: pip and uv keep the credential they get
// for the whole run, so a one-hour token with 3 minutes left is renewed
// before it is handed out (the old rule served it until 60 s were left).
func TestThreeMinutesLeftIsRenewed(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var calls atomic.Int32
	srv := exchangeServer(t, clock.Now, time.Hour, &calls)
	store := newMem()
	old := storedJWT(clock, "old", time.Hour, 3*time.Minute)
	store.m[srv.URL] = old
	m := newManager(t, clock, store)
	got, err := m.Get(context.Background(), srv.URL, Options{})
	if err != nil || got.Value == old || got.Source != FromIdentity || calls.Load() != 1 {
		t.Fatalf("got %q from %s (%v), %d exchanges; want a new token from one exchange", got.Subject, got.Source, err, calls.Load())
	}
	if left := got.Expiry.Sub(clock.Now()); left != time.Hour {
		t.Errorf("the new token has %s left; want 1h", left)
	}
	if st, fresh, _ := m.Status(srv.URL); !fresh || st.Value != got.Value {
		t.Errorf("status does not show the renewed token as valid")
	}
}

// TestNoRenewalPossibleServesTheStillValidToken: with no identity token and
// logins disabled (or nobody to ask), a token with 3 minutes left is served
// with one line saying how long it has left and how to log in; an expired
// one never is.
func TestNoRenewalPossibleServesTheStillValidToken(t *testing.T) {
	for _, interactive := range []bool{false, true} {
		t.Run(fmt.Sprintf("interactive=%v", interactive), func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
			store := newMem()
			old := storedJWT(clock, "old", time.Hour, 3*time.Minute)
			store.m[validityAddr] = old
			var warned []string
			m := &Manager{Store: store, Interactive: interactive, LockDir: t.TempDir(), Now: clock.Now,
				Prompt: &recordingPrompt{warn: &warned}} // CanReach: false
			if _, ok := m.Cached(validityAddr, Options{}); ok {
				t.Fatal("a token with 3 minutes left counts as fresh")
			}
			got, err := m.Get(context.Background(), validityAddr, Options{})
			if err != nil || got.Value != old {
				t.Fatalf("got %v; want the still-valid token served", err)
			}
			if len(warned) != 1 || !strings.Contains(warned[0], "3m0s left") || !strings.Contains(warned[0], "git-credential-ppm login") || strings.Contains(warned[0], old) {
				t.Errorf("warnings %q; want one line with the time left and how to log in", warned)
			}
			clock.Add(3 * time.Minute)
			warned = nil
			if got, err := m.Get(context.Background(), validityAddr, Options{}); !errors.Is(err, ErrLoginRequired) || got.Value != "" {
				t.Errorf("an expired token: %q, %v; want ErrLoginRequired and no token", got.Value, err)
			}
		})
	}
}

// TestExecAsksTenMinutesButTakesWhatThereIs: exec's 10-minute pre-flight
// renews a token with 8 minutes left; when it cannot, it runs with it.
func TestExecAsksTenMinutesButTakesWhatThereIs(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	store := newMem()
	old := storedJWT(clock, "old", time.Hour, 8*time.Minute)
	store.m[validityAddr] = old
	var warned []string
	m := &Manager{Store: store, LockDir: t.TempDir(), Now: clock.Now, Prompt: &recordingPrompt{warn: &warned}}
	got, err := m.Get(context.Background(), validityAddr, Options{MinValidity: 10 * time.Minute})
	if err != nil || got.Value != old || len(warned) != 1 || !strings.Contains(warned[0], "8m0s left") {
		t.Fatalf("got %v, warnings %q; want the token served with one line", err, warned)
	}
}

// TestRenewalFailureServesTheStillValidToken: an exchange that fails (the
// server answers 502) does not cost the request a token that still works.
func TestRenewalFailureServesTheStillValidToken(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	store := newMem()
	old := storedJWT(clock, "old", time.Hour, 2*time.Minute)
	store.m[srv.URL] = old
	m := newManager(t, clock, store)
	var warned []string
	m.Prompt = &recordingPrompt{warn: &warned}
	got, err := m.Get(context.Background(), srv.URL, Options{})
	if err != nil || got.Value != old {
		t.Fatalf("got %v; want the still-valid token", err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "2m0s left") || !strings.Contains(warned[0], "could not be renewed") || !strings.Contains(warned[0], "502") {
		t.Errorf("warnings %q; want one line with the time left and the failure", warned)
	}
	clock.Add(2 * time.Minute)
	if _, err := m.Get(context.Background(), srv.URL, Options{}); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("once expired: %v; want the exchange's failure", err)
	}
}

// TestShortArrivalIsSaidOnceAndNotExchangedAgain: a server whose clock is
// 58 minutes behind issues one-hour tokens that arrive with 2 minutes left.
// The token is served with one line blaming the clock, and the next
// requests use it rather than exchanging again for one just as short; it is
// renewed once a quarter of those 2 minutes is left.
func TestShortArrivalIsSaidOnceAndNotExchangedAgain(t *testing.T) {
	sk := newSkewed(t, -58*time.Minute)
	clock, calls, srv, store, m := sk.clock, &sk.calls, sk.srv, sk.store, sk.m
	first, err := m.Get(context.Background(), srv.URL, Options{})
	if err != nil || first.Value == "" {
		t.Fatal(err)
	}
	if len(sk.warned) != 1 || !strings.Contains(sk.warned[0], "only 2m0s left") || !strings.Contains(sk.warned[0], "58m0s ahead") || !strings.Contains(sk.warned[0], "clock") {
		t.Errorf("warnings %q; want one line naming the clock", sk.warned)
	}
	for i := range 3 {
		clock.Add(25 * time.Second)
		again := newManager(t, clock, store) // a new process
		got, err := again.Get(context.Background(), srv.URL, Options{})
		if err != nil || got.Value != first.Value || got.Source != FromStore {
			t.Fatalf("get %d: %v from %s; want the stored token", i, err, got.Source)
		}
	}
	if calls.Load() != 1 || len(sk.warned) != 1 {
		t.Fatalf("%d exchanges, %d warnings; want the short token reused", calls.Load(), len(sk.warned))
	}
	clock.Add(20 * time.Second) // 25 s left of the 2 min it arrived with
	if got, err := m.Get(context.Background(), srv.URL, Options{}); err != nil || got.Value == first.Value || calls.Load() != 2 {
		t.Errorf("under a quarter of its arrival lifetime: %v, %d exchanges; want it renewed", err, calls.Load())
	}
}

// TestArrivalCause: the line for a token that arrives unusable names the
// clock when the server's Date (or the token's iat) is off, and the
// server's token lifetime when the clocks agree.
func TestArrivalCause(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	tok := func(iat, exp time.Time) Token { return Token{Value: "x", IssuedAt: iat, Expiry: exp} }
	cases := []struct {
		name       string
		t          Token
		date       time.Time
		say, never []string
	}{
		{"server Date 3 h behind", tok(now.Add(-4*time.Hour), now.Add(-3*time.Hour)), now.Add(-3 * time.Hour),
			[]string{"already expired (3h0m0s ago)", "2027-03-01 12:00:00 UTC", "the server's Date header says 2027-03-01 09:00:00 UTC", "3h0m0s ahead of the server's", "NTP"}, []string{"lifetime"}},
		{"server Date 2 h ahead", tok(now.Add(2*time.Hour), now.Add(2*time.Hour+time.Minute)), now.Add(2 * time.Hour),
			[]string{"2h0m0s behind the server's"}, nil},
		{"no Date: the iat", tok(now.Add(-3*time.Hour), now.Add(-2*time.Hour)), time.Time{},
			[]string{"the token says it was issued at 2027-03-01 09:00:00 UTC", "3h0m0s ahead"}, nil},
		{"clocks agree, 40 s tokens without iat", tok(time.Time{}, now.Add(40*time.Second)), now,
			[]string{"only 40s left", "no issue time and 40s to live", "token lifetime"}, []string{"NTP"}},
		{"clocks agree, expires as issued", tok(now, now), now.Add(-2 * time.Second),
			[]string{"already expired", "expire as they are issued", "administrator"}, []string{"NTP"}},
	}
	for _, c := range cases {
		got := arrivalCause(validityAddr, c.t, now, c.date)
		for _, s := range c.say {
			if !strings.Contains(got, s) {
				t.Errorf("%s: %q does not say %q", c.name, got, s)
			}
		}
		for _, s := range c.never {
			if strings.Contains(got, s) {
				t.Errorf("%s: %q says %q", c.name, got, s)
			}
		}
		if strings.ContainsAny(got, "\r\n") {
			t.Errorf("%s: more than one line: %q", c.name, got)
		}
	}
}

// TestShortOpaqueTokenIsNotExchangedOnEveryGet: an opaque token issued for
// 60 s keeps its issue time, so the quarter-of-lifetime rule applies to it
// (15 s) rather than the 5 minutes of a token whose lifetime is unknown.
func TestShortOpaqueTokenIsNotExchangedOnEveryGet(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"opaque-%d","token_type":"Bearer","expires_in":60}`, calls.Add(1))
	}))
	t.Cleanup(srv.Close)
	store := newMem()
	m := newManager(t, clock, store)
	var warned []string
	m.Prompt = &recordingPrompt{warn: &warned}
	issued := clock.Now()
	for range 3 {
		got, err := newManager(t, clock, store).Get(context.Background(), srv.URL, Options{})
		if err != nil || got.Value != "opaque-1" || !got.IssuedAt.Equal(issued) {
			t.Fatalf("got %q issued %v (%v); want opaque-1 issued now", got.Value, got.IssuedAt, err)
		}
		clock.Add(10 * time.Second)
	}
	if calls.Load() != 1 || len(warned) != 0 {
		t.Fatalf("%d exchanges, warnings %q; want one exchange and no warning", calls.Load(), warned)
	}
	clock.Add(20 * time.Second) // 10 s left of 60
	if got, _ := m.Get(context.Background(), srv.URL, Options{}); got.Value != "opaque-2" {
		t.Errorf("with 10 s of 60 left: %q; want a new token", got.Value)
	}
}

// skewed is a manager whose server's clock is off by skew, issuing 1-hour
// JWTs and counting exchanges; warnings are recorded.
type skewed struct {
	clock  *fakeClock
	calls  atomic.Int32
	srv    *httptest.Server
	store  *memStore
	m      *Manager
	warned []string
}

func newSkewed(t *testing.T, skew time.Duration) *skewed {
	sk := &skewed{clock: &fakeClock{t: time.Unix(1_800_000_000, 0)}, store: newMem()}
	sk.srv = exchangeServer(t, func() time.Time { return sk.clock.Now().Add(skew) }, time.Hour, &sk.calls)
	sk.m = newManager(t, sk.clock, sk.store)
	sk.m.Prompt = &recordingPrompt{warn: &sk.warned}
	return sk
}

// TestInvalidExpOnArrivalIsNotServed: a token issued with an exp that is
// not a valid time is neither stored nor served; the line says so.
func TestInvalidExpOnArrivalIsNotServed(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer"}`, jwt(map[string]any{"sub": "x", "exp": "never"}))
	}))
	t.Cleanup(srv.Close)
	store := newMem()
	got, err := newManager(t, clock, store).Get(context.Background(), srv.URL, Options{})
	if err == nil || got.Value != "" || len(store.m) != 0 || !strings.Contains(err.Error(), "exp claim that is not a valid time") {
		t.Fatalf("got %q, %v, stored %d; want no token and the line", got.Value, err, len(store.m))
	}
}
