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
			if !ok || got.Value != "opaque-token-1" || !got.Expiry.Equal(want) || got.Source != FromStore {
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
	if !strings.Contains(string(b), `token = "opaque-token-2"`) || !strings.Contains(string(b), "expires_at = ") || strings.Contains(string(b), `\n`) {
		t.Errorf("tokens.toml must hold the bare token and expires_at beside it:\n%s", b)
	}
}

// TestTokenExpiredWhenIssuedSaysTheClockIsWrong: a server whose clock is 2
// hours behind issues 1-hour tokens that are expired here on arrival; the
// person is told once, in one line, with the skew.
func TestTokenExpiredWhenIssuedSaysTheClockIsWrong(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	serverClock := func() time.Time { return clock.Now().Add(-2 * time.Hour) }
	var calls atomic.Int32
	srv := exchangeServer(t, serverClock, time.Hour, &calls)
	m := newManager(t, clock, newMem())
	var warned []string
	m.Prompt = &recordingPrompt{warn: &warned}
	for range 3 {
		if _, err := m.Get(context.Background(), srv.URL, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 3 {
		t.Errorf("exchanges = %d; want 3 (each token is expired on arrival)", calls.Load())
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "clock") || !strings.Contains(warned[0], "2h0m0s ahead") || strings.Contains(warned[0], "\n") {
		t.Errorf("warnings %q; want one line naming the clock and its skew of 2h0m0s", warned)
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
	if v := platform.WithExpiry("tok", time.Time{}); v != "tok" {
		t.Errorf("no expiry must store the bare token, got %q", v)
	}
}
