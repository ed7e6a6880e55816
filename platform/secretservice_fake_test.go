//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"bufio"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// These tests need no Secret Service: they use a private dbus-daemon (from
// Debian's dbus-daemon package) with, at most, a fake service written here,
// to reach the paths a healthy gnome-keyring never takes: no service, no
// default collection, the plain fallback, a prompt that completes or that
// nobody answers, a service that never answers.

// privateBus starts a dbus-daemon with no activatable services and returns
// its address.
func privateBus(t *testing.T) string {
	t.Helper()
	return privateBusOn(t, "unix:dir="+t.TempDir())
}

// privateBusOn is privateBus listening on listen (a D-Bus server address).
func privateBusOn(t *testing.T, listen string) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dbus-daemon is needed (Debian: dbus-daemon): %v", err)
		}
		t.Skipf("SKIPPED: dbus-daemon not installed: %v", err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "bus.conf")
	err = os.WriteFile(config, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>`+listen+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+config, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the private bus address: %v", err)
	}
	return strings.TrimSpace(line)
}

func envWith(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

const fakeCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/fake")
const fakeItem = fakeCollection + "/1"
const fakePrompt = dbus.ObjectPath("/org/freedesktop/secrets/prompt/p1")

// fakeService is a minimal Secret Service: one item, optionally locked.
type fakeService struct {
	conn      *dbus.Conn
	plainOnly bool            // OpenSession(dh) → NotSupported
	alias     dbus.ObjectPath // answer to ReadAlias("default")
	hang      chan struct{}   // non-nil: OpenSession waits for it to close
	answer    bool            // the prompt completes (not dismissed) when shown
	token     string

	locked    atomic.Bool // the item is locked; Unlock needs a prompt
	mu        sync.Mutex
	key       []byte // the session key once DH ran
	dismissed atomic.Bool
	prompted  atomic.Bool
	searches  atomic.Int32 // SearchItems calls answered
}

func (f *fakeService) OpenSession(algorithm string, input dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	if f.hang != nil {
		<-f.hang
	}
	switch {
	case algorithm == ssAlgorithmPlain:
		return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/plain", nil
	case algorithm == ssAlgorithmDH && !f.plainOnly:
		client, _ := input.Value().([]byte)
		// Answer with the minimal big-endian bytes of our public key (shorter
		// than 128 when it has leading zeros), as some services do.
		x := big.NewInt(0xC0FFEE)
		pub := new(big.Int).Exp(big.NewInt(2), x, dhPrime())
		shared := new(big.Int).Exp(new(big.Int).SetBytes(client), x, dhPrime())
		key, err := deriveAESKey(shared.FillBytes(make([]byte, 128)))
		if err != nil {
			return dbus.Variant{}, "", dbus.MakeFailedError(err)
		}
		f.mu.Lock()
		f.key = key
		f.mu.Unlock()
		return dbus.MakeVariant(pub.Bytes()), "/org/freedesktop/secrets/session/dh", nil
	}
	return dbus.Variant{}, "", &dbus.Error{Name: errNameNotSupported, Body: []any{"algorithm not supported"}}
}

func (f *fakeService) ReadAlias(name string) (dbus.ObjectPath, *dbus.Error) { return f.alias, nil }

func (f *fakeService) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	f.searches.Add(1)
	if attrs[ssAttrService] != "https://fake.invalid" || attrs[ssAttrUsername] != tokenUser {
		return []dbus.ObjectPath{}, []dbus.ObjectPath{}, nil
	}
	if f.locked.Load() {
		return []dbus.ObjectPath{}, []dbus.ObjectPath{fakeItem}, nil
	}
	return []dbus.ObjectPath{fakeItem}, []dbus.ObjectPath{}, nil
}

func (f *fakeService) Unlock(objects []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	return []dbus.ObjectPath{}, fakePrompt, nil
}

func (f *fakeService) GetSecrets(items []dbus.ObjectPath, session dbus.ObjectPath) (map[dbus.ObjectPath]ssSecret, *dbus.Error) {
	out := map[dbus.ObjectPath]ssSecret{}
	if f.locked.Load() {
		return out, &dbus.Error{Name: errNameIsLocked, Body: []any{"locked"}}
	}
	sec := ssSecret{Session: session, Parameters: []byte{}, Value: []byte(f.token), ContentType: "text/plain"}
	f.mu.Lock()
	key := f.key
	f.mu.Unlock()
	if key != nil {
		iv := []byte("0123456789abcdef")
		_, ct, err := encryptSecret(key, []byte(f.token), strings.NewReader(string(iv)))
		if err != nil {
			return nil, dbus.MakeFailedError(err)
		}
		sec.Parameters, sec.Value = iv, ct
	}
	out[fakeItem] = sec
	return out, nil
}

// fakePromptObject is the prompt Unlock returns. Prompt emits Completed
// before it returns, so a client that subscribes after calling Prompt
// misses the answer.
type fakePromptObject struct{ f *fakeService }

func (p fakePromptObject) Prompt(windowID string) *dbus.Error {
	p.f.prompted.Store(true)
	if p.f.answer {
		p.f.locked.Store(false)
		_ = p.f.conn.Emit(fakePrompt, ssPromptIface+".Completed", false, dbus.MakeVariant([]dbus.ObjectPath{fakeItem}))
	}
	return nil
}

func (p fakePromptObject) Dismiss() *dbus.Error {
	p.f.dismissed.Store(true)
	return nil
}

// startFake serves f on a new private bus and returns the bus address.
func startFake(t *testing.T, f *fakeService) string {
	t.Helper()
	addr := privateBus(t)
	conn, err := connectBus(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f.conn = conn
	if err := conn.Export(f, ssServicePath, ssServiceIface); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(fakePromptObject{f}, fakePrompt, ssPromptIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(ssBusName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s on the private bus: %v %v", ssBusName, reply, err)
	}
	return addr
}

func openFake(t *testing.T, addr string, promptTimeout time.Duration) (*secretService, error) {
	t.Helper()
	s, err := openSecretService(secretServiceConfig{
		getenv:        envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr}),
		callTimeout:   2 * time.Second,
		promptTimeout: promptTimeout,
	})
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, err
}

func TestSecretServiceUnavailable(t *testing.T) {
	t.Run("no session bus", func(t *testing.T) {
		_, err := openSecretService(secretServiceConfig{getenv: envWith(map[string]string{"XDG_RUNTIME_DIR": t.TempDir()})})
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no D-Bus session: DBUS_SESSION_BUS_ADDRESS unset") {
			t.Fatalf("open without a bus = %v; want ErrUnavailable saying DBUS_SESSION_BUS_ADDRESS is unset", err)
		}
	})
	t.Run("bus socket gone", func(t *testing.T) {
		addr := "unix:path=" + filepath.Join(t.TempDir(), "no-such-socket")
		_, err := openSecretService(secretServiceConfig{getenv: envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr})})
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("open with a dead bus address = %v; want ErrUnavailable", err)
		}
	})
	t.Run("bus socket that never answers", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "mute")
		l, err := net.Listen("unix", sock)
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
				t.Cleanup(func() { c.Close() })
			}
		}()
		address := "unix:path=" + sock
		_, err = openSecretService(secretServiceConfig{
			getenv:      envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": address}),
			callTimeout: 200 * time.Millisecond,
		})
		want := "the D-Bus session bus at " + address + " did not answer within 200ms"
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("open with a mute bus = %v; want ErrUnavailable, one line saying %q", err, want)
		}
	})
	t.Run("no Secret Service on the bus", func(t *testing.T) {
		addr := privateBus(t)
		_, err := openFake(t, addr, time.Second)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no Secret Service on the session bus") {
			t.Fatalf("open on a bus without the service = %v; want ErrUnavailable saying so", err)
		}
	})
	t.Run("no default collection", func(t *testing.T) {
		addr := startFake(t, &fakeService{alias: ssNoObject})
		_, err := openFake(t, addr, time.Second)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no default collection") {
			t.Fatalf("open without a default collection = %v; want ErrUnavailable saying so", err)
		}
	})
	t.Run("service that never answers", func(t *testing.T) {
		hang := make(chan struct{})
		addr := startFake(t, &fakeService{alias: fakeCollection, hang: hang})
		defer close(hang)
		s, err := openSecretService(secretServiceConfig{
			getenv:      envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr}),
			callTimeout: 200 * time.Millisecond,
		})
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "did not answer") {
			t.Fatalf("open with a hung service = %v; want ErrUnavailable saying it did not answer", err)
		}
	})
	t.Run("OpenStore auto falls back to the file store", func(t *testing.T) {
		st, warning, err := OpenStore("auto", Options{Getenv: envWith(map[string]string{"XDG_RUNTIME_DIR": t.TempDir()}), FilePath: "/x/tokens.toml"})
		if err != nil || st.Name() != "file" || !strings.Contains(warning, "DBUS_SESSION_BUS_ADDRESS unset") {
			t.Fatalf("OpenStore(auto) without a bus = (%v, %q, %v); want the file store and a warning naming the reason", st, warning, err)
		}
		if _, _, err := OpenStore("secretservice", Options{Getenv: envWith(nil)}); err == nil {
			t.Fatal("OpenStore(secretservice) without a bus succeeded; an explicit choice must fail")
		}
	})
}

func TestSecretServiceSessions(t *testing.T) {
	for _, plainOnly := range []bool{false, true} {
		name := map[bool]string{false: "dh", true: "plain fallback"}[plainOnly]
		t.Run(name, func(t *testing.T) {
			f := &fakeService{alias: fakeCollection, plainOnly: plainOnly, token: "eyJ.fake-token_"}
			s, err := openFake(t, startFake(t, f), time.Second)
			if err != nil {
				t.Fatal(err)
			}
			// The DH exchange's last step waits for the first secret.
			if encrypted := s.exchange != nil; encrypted == plainOnly {
				t.Fatalf("encrypted session = %v; want %v", encrypted, !plainOnly)
			}
			if got, err := s.Get("https://fake.invalid"); err != nil || got != f.token {
				t.Fatalf("Get = (%q, %v); want %q", got, err, f.token)
			}
			if key, err := s.sessionKey(); err != nil || (key == nil) != plainOnly || (!plainOnly && len(key) != 16) {
				t.Fatalf("after Get: session key %d bytes, %v; want %d bytes", len(key), err, map[bool]int{false: 16, true: 0}[plainOnly])
			}
			if _, err := s.Get("https://other.invalid"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of another address = %v; want ErrNotFound", err)
			}
		})
	}
}

// TestSecretServicePrefetch: the searches open sends for Prefetch
// addresses answer the first Get of each (no SearchItems after open for a
// hit), once; a later Get searches again. A miss goes on to the other
// spelling, as without prefetching.
func TestSecretServicePrefetch(t *testing.T) {
	f := &fakeService{alias: fakeCollection, token: "eyJ.prefetched"}
	addr := startFake(t, f)
	s, err := openSecretService(secretServiceConfig{
		getenv:   envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr}),
		prefetch: []string{"https://fake.invalid", "https://other.invalid/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if got, err := s.Get("https://fake.invalid"); err != nil || got != f.token {
		t.Fatalf("Get = (%q, %v); want %q", got, err, f.token)
	}
	// Open sent one search per address; a hit needed nothing more.
	if n := f.searches.Load(); n != 2 {
		t.Fatalf("%d SearchItems calls after open and a prefetched Get; want the 2 open sent", n)
	}
	if _, err := s.Get("https://other.invalid/"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a prefetched address without items = %v; want ErrNotFound", err)
	}
	if n := f.searches.Load(); n != 3 {
		t.Fatalf("%d SearchItems calls after a prefetched miss; want 3 (the other spelling searched)", n)
	}
	if got, err := s.Get("https://fake.invalid"); err != nil || got != f.token {
		t.Fatalf("second Get = (%q, %v)", got, err)
	}
	if n := f.searches.Load(); n != 4 {
		t.Fatalf("%d SearchItems calls after a second Get; want 4 (a prefetched answer is used once)", n)
	}
}

func TestSecretServicePrompts(t *testing.T) {
	t.Run("prompt answered: subscribed before Prompt, item unlocked", func(t *testing.T) {
		f := &fakeService{alias: fakeCollection, answer: true, token: "tok-after-unlock"}
		f.locked.Store(true)
		s, err := openFake(t, startFake(t, f), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get("https://fake.invalid"); err != nil || got != f.token {
			t.Fatalf("Get through an answered prompt = (%q, %v); want %q", got, err, f.token)
		}
	})
	t.Run("prompt nobody answers: dismissed after the timeout", func(t *testing.T) {
		f := &fakeService{alias: fakeCollection, token: "tok-never"}
		f.locked.Store(true)
		s, err := openFake(t, startFake(t, f), 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Get("https://fake.invalid")
		if err == nil || !strings.Contains(err.Error(), "fake keyring is locked and nobody answered") || !strings.Contains(err.Error(), "PPM_CREDENTIAL_STORE=file") {
			t.Fatalf("Get through an unanswered prompt = %v; want a locked-keyring error", err)
		}
		if !f.prompted.Load() || !f.dismissed.Load() {
			t.Fatalf("prompt shown %v, dismissed %v; want both", f.prompted.Load(), f.dismissed.Load())
		}
	})
}

func TestCollectionName(t *testing.T) {
	tests := map[dbus.ObjectPath]string{
		"/org/freedesktop/secrets/collection/login":                 "login",
		"/org/freedesktop/secrets/collection/login/12":              "login",
		"/org/freedesktop/secrets/collection/ppm_2dlocked_2dtest/1": "ppm-locked-test",
		"/org/freedesktop/secrets/aliases/default":                  "default",
		"/org/freedesktop/secrets/collection/trailing_":             "trailing_",
	}
	for path, want := range tests {
		if got := collectionName(path); got != want {
			t.Errorf("collectionName(%q) = %q; want %q", path, got, want)
		}
	}
}

func TestAddressSpellings(t *testing.T) {
	tests := map[string][]string{
		"https://a.example":       {"https://a.example", "https://a.example/"},
		"https://a.example/":      {"https://a.example/", "https://a.example"},
		"https://a.example/cran/": {"https://a.example/cran/", "https://a.example/cran"},
		"/":                       {"/"},
	}
	for in, want := range tests {
		got := addressSpellings(in)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("addressSpellings(%q) = %q; want %q", in, got, want)
		}
	}
}
