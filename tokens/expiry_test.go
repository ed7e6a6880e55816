package tokens

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/platform"
)

// TestOpaqueTokenKeepsItsExpiry: an opaque token issued with expires_in
// keeps that expiry when read back from the store — the file store (whose
// `token` stays the bare token pak reads, the expiry in a key of its own)
// and any other store (the envelope) — and is renewed once it runs out.
func TestOpaqueTokenKeepsItsExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"opaque-token-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "tokens.toml")
	for name, store := range map[string]platform.Store{"file": platform.NewFileStore(path), "other": newMem()} {
		t.Run(name, func(t *testing.T) {
			calls.Store(0)
			m := newManager(t, clock, store)
			first, err := m.Get(context.Background(), srv.URL, Options{})
			want := clock.Now().Add(time.Hour)
			if err != nil || first.Value != "opaque-token-1" || !first.Expiry.Equal(want) {
				t.Fatalf("first: %v %q expiring %v; want opaque-token-1 expiring %v", err, first.Value, first.Expiry, want)
			}
			again := newManager(t, clock, store) // a new process
			got, ok := again.Cached(srv.URL, Options{})
			if !ok || got.Value != "opaque-token-1" || !got.Expiry.Equal(want) || !got.IssuedAt.Equal(first.IssuedAt) || got.IssuedAt.IsZero() || got.Source != FromStore {
				t.Fatalf("read back: %v %q expiring %v from %s; want the same token and expiry", ok, got.Value, got.Expiry, got.Source)
			}
			if st, fresh, _ := again.Status(srv.URL); !fresh || !st.Expiry.Equal(want) {
				t.Errorf("status: fresh %v expiry %v; want %v", fresh, st.Expiry, want)
			}
			clock.Add(time.Hour)
			if next, err := again.Get(context.Background(), srv.URL, Options{}); err != nil || next.Value != "opaque-token-2" {
				t.Errorf("after its expiry: %v %q; want a new token", err, next.Value)
			}
			clock.Add(-time.Hour)
		})
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `token = 'opaque-token-2'`) || !strings.Contains(string(b), "expires_at = ") || !strings.Contains(string(b), "issued_at = ") || strings.Contains(string(b), `\n`) {
		t.Errorf("tokens.toml must hold the bare token and expires_at and issued_at beside it:\n%s", b)
	}
}

// TestTokenExpiredWhenIssuedSaysTheClockIsWrong: a server whose clock is 2
// hours behind issues 1-hour tokens that are expired here on arrival: such
// a token is never served, and each request fails with one line naming the
// clock and its skew.
func TestTokenExpiredWhenIssuedSaysTheClockIsWrong(t *testing.T) {
	sk := newSkewed(t, -2*time.Hour)
	calls, srv, store, m := &sk.calls, sk.srv, sk.store, sk.m
	for range 3 {
		got, err := m.Get(context.Background(), srv.URL, Options{})
		if err == nil || got.Value != "" {
			t.Fatalf("an expired token was served: %q", got.Value)
		}
		if msg := err.Error(); !strings.Contains(msg, "clock") || !strings.Contains(msg, "2h0m0s ahead") || !strings.Contains(msg, "the server's Date header says") || strings.Contains(msg, "\n") {
			t.Errorf("error %q; want one line naming the clock and its skew of 2h0m0s", msg)
		}
	}
	if calls.Load() != 3 || len(store.m) != 0 || len(sk.warned) != 0 {
		t.Errorf("exchanges = %d, stored %d, warnings %q; want 3 exchanges, nothing stored, nothing but the errors", calls.Load(), len(store.m), sk.warned)
	}
}

func TestEnvelope(t *testing.T) {
	exp := time.Unix(1_800_000_000, 0).UTC()
	for _, v := range []string{"tok", "a.b.c", "x\nexpires_at=abc", "x\nexpires_at=-5", "a\nb\nexpires_at=5"} {
		if tok, e := platform.SplitExpiry(v); tok != v || !e.IsZero() {
			t.Errorf("SplitExpiry(%q) = %q, %v; want it unchanged", v, tok, e)
		}
	}
	if tok, e := platform.SplitExpiry(platform.WithExpiry("tok", exp)); tok != "tok" || !e.Equal(exp) {
		t.Errorf("round trip: %q %v", tok, e)
	}
	iat := exp.Add(-time.Hour)
	if tok, i, e := platform.SplitTimes(platform.WithTimes("tok", iat, exp)); tok != "tok" || !e.Equal(exp) || !i.Equal(iat) {
		t.Errorf("round trip with the issue time: %q %v %v", tok, i, e)
	}
	for _, v := range []string{"x\nissued_at=5\nissued_at=6", "x\nissued_at=5\nother=6", "x\nissued_at=", "x\n"} {
		if tok, i, e := platform.SplitTimes(v); tok != v || !e.IsZero() || !i.IsZero() {
			t.Errorf("SplitTimes(%q) = %q, %v, %v; want it unchanged", v, tok, i, e)
		}
	}
	if v := platform.WithExpiry("tok", time.Time{}); v != "tok" {
		t.Errorf("no expiry must store the bare token, got %q", v)
	}
}
