// Package storetest is the conformance suite every platform.Store passes: the
// file store, the Secret Service, the Windows Credential Manager and the macOS
// Keychain run the same cases, so that the rest of the program can treat them
// alike.
//
// Use it from a test of the store's own package:
//
//	func TestFileStoreConformance(t *testing.T) {
//		dir := storetest.SharedDir(t, "MY_TEST_STORE_DIR")
//		storetest.Run(t, func(t *testing.T) platform.Store {
//			return platform.NewFileStore(filepath.Join(dir, "tokens.toml"))
//		})
//	}
//
// The "processes" case re-runs the calling test in child processes of the
// same test binary (the os/exec TestHelperProcess pattern): in a child, Run
// sees the environment variable it set, opens the store with the same open
// function, writes its share of addresses and returns without running the
// other cases. No TestMain is needed, but open must reach the same store in
// the child as in the parent: a per-test location (a temporary tokens.toml)
// comes from SharedDir, not from a fresh t.TempDir inside open.
//
// Every address the suite uses contains a random run id under the reserved
// .invalid top-level domain, so a run never touches a person's real entries;
// each case deletes what it stored.
package storetest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/posit-dev/git-credential-ppm/platform"
)

// Processes and AddressesPerProcess size the "processes" case.
const (
	Processes           = 3
	AddressesPerProcess = 8
)

// Run runs the conformance cases against the store that open returns. open
// is called once per case (and once in each helper process); it should fail
// or skip t itself when the store cannot be opened. Stores that implement
// io.Closer are closed when the case ends.
func Run(t *testing.T, open func(t *testing.T) platform.Store) {
	t.Helper()
	if runID := os.Getenv(envHelperRun); runID != "" {
		helper(t, runID, open)
		return
	}
	s := &suite{run: newRunID(t), open: open}

	t.Run("identity", s.identity)
	t.Run("missing/get_returns_ErrNotFound", s.missingGet)
	t.Run("missing/delete_returns_ErrNotFound", s.missingDelete)
	t.Run("lifecycle/set_get_overwrite_delete", s.lifecycle)
	t.Run("addresses/kept_apart", s.keptApart)
	t.Run("tokens/byte_exact", s.byteExact)
	t.Run("tokens/4KiB", func(t *testing.T) { s.large(t, 4<<10, true) })
	t.Run("tokens/16KiB_stored_whole_or_refused_clearly", func(t *testing.T) { s.large(t, 16<<10, false) })
	t.Run("addresses/non_ASCII", s.nonASCII)
	t.Run("concurrency/goroutines_lose_nothing", s.goroutines)
	t.Run("concurrency/processes_lose_nothing", s.processes)
}

type suite struct {
	run  string // random, unique to this run of the suite
	open func(t *testing.T) platform.Store
}

func newRunID(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: reading random bytes for the run id: %v", err)
	}
	return hex.EncodeToString(b)
}

// addr returns an address unique to this run; label distinguishes the
// addresses of one case, and the result is never a real host.
func (s *suite) addr(scheme, label, rest string) string {
	return scheme + "://ppm-" + label + "-" + s.run + ".storetest.invalid" + rest
}

// token returns a JWT-shaped token derived from seed: base64url segments
// joined by dots, the characters real PPM tokens use.
func token(seed string) string {
	h := sha256.Sum256([]byte(seed))
	enc := base64.RawURLEncoding
	return "eyJhbGciOiJFUzI1NiJ9." + enc.EncodeToString(h[:]) + "." + enc.EncodeToString(h[:20]) + "-_"
}

// store opens a store for one case and closes it (if it can be closed) when
// the case ends.
func (s *suite) store(t *testing.T) platform.Store {
	t.Helper()
	st := s.open(t)
	if st == nil {
		t.Fatal("storetest: open returned a nil store")
	}
	if c, ok := st.(io.Closer); ok {
		t.Cleanup(func() { _ = c.Close() })
	}
	return st
}

// cleanup deletes addresses when the case ends, whatever its outcome.
func cleanup(t *testing.T, st platform.Store, addrs ...string) {
	t.Cleanup(func() {
		for _, a := range addrs {
			if err := st.Delete(a); err != nil && !errors.Is(err, platform.ErrNotFound) {
				t.Errorf("cleanup: Delete(%q): %v", a, err)
			}
		}
	})
}

// noSecret fails t if err's text contains tok: tokens never appear in errors.
func noSecret(t *testing.T, err error, tok string) {
	t.Helper()
	if err != nil && tok != "" && strings.Contains(err.Error(), tok) {
		t.Errorf("an error contains the token: %q", err)
	}
}

func mustSet(t *testing.T, st platform.Store, address, tok string) {
	t.Helper()
	if err := st.Set(address, tok); err != nil {
		noSecret(t, err, tok)
		t.Fatalf("Set(%q): %v", address, err)
	}
}

func wantToken(t *testing.T, st platform.Store, address, want string) {
	t.Helper()
	got, err := st.Get(address)
	if err != nil {
		noSecret(t, err, want)
		t.Fatalf("Get(%q): %v; want the token stored for it", address, err)
	}
	if got != want {
		t.Fatalf("Get(%q) returned a different token: %s; want %s", address, describe(got), describe(want))
	}
}

func wantNotFound(t *testing.T, st platform.Store, address string) {
	t.Helper()
	got, err := st.Get(address)
	if !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("Get(%q) = (%s, %v); want ErrNotFound", address, describe(got), err)
	}
}

// describe says what a token looks like without printing it whole (the
// suite's tokens are not secret, but a mismatch is easier to read this way).
func describe(tok string) string {
	if len(tok) <= 24 {
		return strconv.Quote(tok)
	}
	return fmt.Sprintf("%d bytes %q…%q", len(tok), tok[:10], tok[len(tok)-10:])
}

func (s *suite) identity(t *testing.T) {
	st := s.store(t)
	if st.Name() == "" {
		t.Error("Name() is empty")
	}
	if d := st.Describe(); !strings.HasPrefix(d, st.Name()) {
		t.Errorf("Describe() = %q; want it to start with the store's name %q", d, st.Name())
	}
}

func (s *suite) missingGet(t *testing.T) {
	st := s.store(t)
	wantNotFound(t, st, s.addr("https", "missing", ""))
}

func (s *suite) missingDelete(t *testing.T) {
	st := s.store(t)
	a := s.addr("https", "missing", "")
	if err := st.Delete(a); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("Delete(%q) of a missing address = %v; want ErrNotFound", a, err)
	}
}

func (s *suite) lifecycle(t *testing.T) {
	st := s.store(t)
	a := s.addr("https", "lifecycle", "")
	cleanup(t, st, a)
	first, second := token(s.run+"first"), token(s.run+"second")

	mustSet(t, st, a, first)
	wantToken(t, st, a, first)
	mustSet(t, st, a, second)
	wantToken(t, st, a, second)

	// A store opened afresh (a new process would) sees the same token.
	wantToken(t, s.store(t), a, second)

	if err := st.Delete(a); err != nil {
		t.Fatalf("Delete(%q): %v", a, err)
	}
	wantNotFound(t, st, a)
	if err := st.Delete(a); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("second Delete(%q) = %v; want ErrNotFound", a, err)
	}
}

func (s *suite) keptApart(t *testing.T) {
	st := s.store(t)
	addrs := []string{
		s.addr("https", "apart", ""),
		s.addr("https", "apart", ":8443"),        // differs by port only
		s.addr("http", "apart", ""),              // differs by scheme only
		s.addr("https", "apart", "/cran/latest"), // differs by path
		s.addr("https", "apart2", ""),            // another host
	}
	cleanup(t, st, addrs...)
	for _, a := range addrs {
		mustSet(t, st, a, token(s.run+a))
	}
	for _, a := range addrs {
		wantToken(t, st, a, token(s.run+a))
	}
	// Deleting one leaves the others.
	if err := st.Delete(addrs[0]); err != nil {
		t.Fatalf("Delete(%q): %v", addrs[0], err)
	}
	wantNotFound(t, st, addrs[0])
	for _, a := range addrs[1:] {
		wantToken(t, st, a, token(s.run+a))
	}
}

func (s *suite) byteExact(t *testing.T) {
	st := s.store(t)
	tokens := map[string]string{
		"jwt":           token(s.run + "exact"),
		"dots_dashes":   "a.b-c_d.e-_.-_.",
		"padding_like":  "eyJ0eXAiOiJKV1QifQ==.x",
		"one_byte":      "x",
		"spaces_inside": "two words\tand a tab",
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			a := s.addr("https", "exact-"+strings.ReplaceAll(name, "_", "-"), "")
			cleanup(t, st, a)
			mustSet(t, st, a, tok)
			wantToken(t, st, a, tok)
		})
	}
}

// large stores a token of n bytes. A store must keep it whole; when mustFit
// is false it may instead refuse it with an error (never truncate it).
func (s *suite) large(t *testing.T, n int, mustFit bool) {
	st := s.store(t)
	a := s.addr("https", fmt.Sprintf("large%d", n), "")
	cleanup(t, st, a)
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(token(fmt.Sprint(s.run, b.Len())))
		b.WriteByte('.')
	}
	tok := b.String()[:n]
	if err := st.Set(a, tok); err != nil {
		noSecret(t, err, tok)
		if mustFit {
			t.Fatalf("Set(%q) of a %d-byte token: %v", a, n, err)
		}
		if strings.TrimSpace(err.Error()) == "" {
			t.Fatalf("Set(%q) of a %d-byte token refused it with an empty error", a, n)
		}
		t.Logf("the store refuses a %d-byte token: %v", n, err)
		// A refused token must not leave a partial one behind.
		if got, err := st.Get(a); err == nil {
			t.Fatalf("after refusing a %d-byte token, Get returns %s", n, describe(got))
		}
		return
	}
	wantToken(t, st, a, tok)
}

func (s *suite) nonASCII(t *testing.T) {
	st := s.store(t)
	addrs := []string{
		"https://пакеты-" + s.run + ".storetest.invalid",
		"https://ppm-" + s.run + ".storetest.invalid/репо/ü/",
	}
	cleanup(t, st, addrs...)
	for _, a := range addrs {
		mustSet(t, st, a, token(s.run+a))
	}
	for _, a := range addrs {
		wantToken(t, st, a, token(s.run+a))
	}
}

func (s *suite) goroutines(t *testing.T) {
	st := s.store(t)
	const n = 8
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = s.addr("https", "goroutine"+strconv.Itoa(i), "")
	}
	cleanup(t, st, addrs...)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, a := range addrs {
		wg.Go(func() { errs[i] = st.Set(a, token(s.run+a)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Set(%q): %v", addrs[i], err)
		}
	}
	for _, a := range addrs {
		wantToken(t, st, a, token(s.run+a))
	}
}
