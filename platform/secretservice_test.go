//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The tests in this file talk to a real Secret Service. Who runs them:
//
//   - .ci/secretservice-test.sh sets PPM_TEST_SECRETSERVICE=1 inside a
//     private dbus-run-session with an unlocked gnome-keyring-daemon: there
//     they must run, and a missing service is a failure.
//   - Under CI=true without that variable (the plain `go test ./...` step)
//     they skip: the script runs them.
//   - On a developer machine they run against the session's own keyring when
//     DBUS_SESSION_BUS_ADDRESS is set (with addresses unique to the run under
//     .invalid, deleted afterwards), and skip loudly when it is not. Tests
//     that lock a collection run only under PPM_TEST_SECRETSERVICE=1.
const envMustRunSecretService = "PPM_TEST_SECRETSERVICE"

func mustRunSecretService() bool { return os.Getenv(envMustRunSecretService) == "1" }

// openTestSecretService opens the store on the test's session bus, or skips.
func openTestSecretService(t testing.TB) *secretService {
	t.Helper()
	if !mustRunSecretService() {
		if os.Getenv("CI") == "true" {
			t.Skip("SKIPPED: the Secret Service tests run in .ci/secretservice-test.sh (" + envMustRunSecretService + "=1, private D-Bus with gnome-keyring)")
		}
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			t.Skip("SKIPPED: no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset); run .ci/secretservice-test.sh to test the Secret Service store")
		}
	}
	s, err := openSecretService(secretServiceConfig{getenv: os.Getenv})
	if err != nil {
		if mustRunSecretService() {
			t.Fatalf("%s=1 but the Secret Service cannot be opened: %v", envMustRunSecretService, err)
		}
		t.Skipf("SKIPPED: the Secret Service cannot be opened: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// uniqueAddress returns an address no person has, for one test.
func uniqueAddress(t testing.TB, suffix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "https://ppm-" + hex.EncodeToString(b) + ".sstest.invalid" + suffix
}

func deleteAfter(t testing.TB, s *secretService, addresses ...string) {
	t.Cleanup(func() {
		for _, a := range addresses {
			if err := s.Delete(a); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("cleanup: Delete(%q): %v", a, err)
			}
		}
	})
}

// tool returns the path of an external program the interoperability tests
// run, skipping (or failing under CI / PPM_TEST_SECRETSERVICE=1) without it.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if mustRunSecretService() || os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed for this test (Debian: libsecret-tools / python3-keyring): %v", name, err)
		}
		t.Skipf("SKIPPED: %s not installed: %v", name, err)
	}
	return p
}

// systemPython returns a python3 that can import keyring and secretstorage
// (Debian's python3-keyring, python3-secretstorage). /usr/bin/python3 comes
// first: a pyenv shim earlier on PATH usually lacks them.
func systemPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import keyring, secretstorage").Run() == nil {
			return path
		}
	}
	if mustRunSecretService() || os.Getenv("CI") == "true" {
		t.Fatal("no python3 with the keyring and secretstorage modules (Debian: python3-keyring python3-secretstorage)")
	}
	t.Skip("SKIPPED: no python3 with the keyring and secretstorage modules")
	return ""
}

// pythonKeyring runs a snippet of Python keyring with its SecretService
// backend; the address is argv[1], a token (if any) arrives on stdin.
func pythonKeyring(t *testing.T, code, address, stdin string) string {
	t.Helper()
	cmd := exec.Command(systemPython(t), "-c", "import sys, keyring\nfrom keyring.backends import SecretService\nkeyring.set_keyring(SecretService.Keyring())\n"+code, address)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 keyring: %v\n%s", err, stderr.String())
	}
	return string(out)
}

func TestSecretServiceReadableBySecretTool(t *testing.T) {
	s := openTestSecretService(t)
	secretTool := tool(t, "secret-tool")
	a := uniqueAddress(t, "")
	deleteAfter(t, s, a)
	tok := "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRvb2w.sig-_"
	if err := s.Set(a, tok); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(secretTool, "lookup", "service", a, "username", "__token__").Output()
	if err != nil {
		t.Fatalf("secret-tool lookup service %s username __token__: %v", a, err)
	}
	if got := strings.TrimSuffix(string(out), "\n"); got != tok {
		t.Fatalf("secret-tool lookup = %q; want %q", got, tok)
	}
	// And secret-tool sees our application attribute.
	out, err = exec.Command(secretTool, "search", "--all", "service", a, "username", "__token__").CombinedOutput()
	if err != nil {
		t.Fatalf("secret-tool search: %v\n%s", err, out)
	}
	for _, want := range []string{"attribute.application = git-credential-ppm", "label = Posit Package Manager token for " + a} {
		if !strings.Contains(string(out), want) {
			t.Errorf("secret-tool search output lacks %q:\n%s", want, out)
		}
	}
}

func TestSecretServiceReadsSecretToolItems(t *testing.T) {
	s := openTestSecretService(t)
	secretTool := tool(t, "secret-tool")
	a := uniqueAddress(t, "")
	deleteAfter(t, s, a)
	tok := "token-from-secret-tool.x-y_z"
	cmd := exec.Command(secretTool, "store", "--label", "test item", "service", a, "username", "__token__")
	cmd.Stdin = strings.NewReader(tok)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
	if got, err := s.Get(a); err != nil || got != tok {
		t.Fatalf("Get(%q) = (%q, %v); want %q", a, got, err, tok)
	}
}

func TestSecretServiceReadableByPythonKeyring(t *testing.T) {
	s := openTestSecretService(t)
	a := uniqueAddress(t, "/")
	deleteAfter(t, s, a)
	tok := "eyJhbGciOiJFUzI1NiJ9.cHl0aG9u.sig-_"
	if err := s.Set(a, tok); err != nil {
		t.Fatal(err)
	}
	got := pythonKeyring(t, `print(keyring.get_password(sys.argv[1], "__token__"))`, a, "")
	if got != tok+"\n" {
		t.Fatalf("python keyring get_password = %q; want %q", got, tok+"\n")
	}
}

func TestSecretServiceReadsPythonKeyringItems(t *testing.T) {
	s := openTestSecretService(t)
	a := uniqueAddress(t, "")
	deleteAfter(t, s, a)
	tok := "token-from-python.x-y_z"
	pythonKeyring(t, `keyring.set_password(sys.argv[1], "__token__", sys.stdin.read())`, a, tok)
	if got, err := s.Get(a); err != nil || got != tok {
		t.Fatalf("Get(%q) = (%q, %v); want %q", a, got, err, tok)
	}
	// Our Set replaces Python's item rather than leaving two answers.
	newTok := "token-from-ppm.a-b_c"
	if err := s.Set(a, newTok); err != nil {
		t.Fatal(err)
	}
	got := pythonKeyring(t, `print(keyring.get_password(sys.argv[1], "__token__"))`, a, "")
	if got != newTok+"\n" {
		t.Fatalf("after Set, python keyring get_password = %q; want %q", got, newTok+"\n")
	}
	if err := s.Delete(a); err != nil {
		t.Fatal(err)
	}
	got = pythonKeyring(t, `print(keyring.get_password(sys.argv[1], "__token__"))`, a, "")
	if got != "None\n" {
		t.Fatalf("after Delete, python keyring get_password = %q; want None", got)
	}
}

func TestSecretServiceTrailingSlash(t *testing.T) {
	s := openTestSecretService(t)
	base := uniqueAddress(t, "")
	tests := []struct {
		name, set, get string
	}{
		{"stored with slash, asked without", base + "/a/", base + "/a"},
		{"stored without slash, asked with", base + "/b", base + "/b/"},
		{"same spelling", base + "/c/", base + "/c/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deleteAfter(t, s, tt.set)
			if err := s.Set(tt.set, "tok-"+tt.name); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Get(tt.get); err != nil || got != "tok-"+tt.name {
				t.Fatalf("Get(%q) = (%q, %v); want the token stored for %q", tt.get, got, err, tt.set)
			}
		})
	}
	t.Run("set under the other spelling replaces the old item", func(t *testing.T) {
		a := base + "/d/"
		deleteAfter(t, s, a)
		if err := s.Set(a, "old"); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(strings.TrimSuffix(a, "/"), "new"); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{a, strings.TrimSuffix(a, "/")} {
			if got, err := s.Get(q); err != nil || got != "new" {
				t.Errorf("Get(%q) = (%q, %v); want \"new\"", q, got, err)
			}
		}
		if err := s.Delete(a); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(strings.TrimSuffix(a, "/")); !errors.Is(err, ErrNotFound) {
			t.Errorf("after Delete(%q), Get without the slash = %v; want ErrNotFound", a, err)
		}
	})
}

func TestSecretServiceDescribe(t *testing.T) {
	s := openTestSecretService(t)
	d := s.Describe()
	if !strings.HasPrefix(d, "secretservice (") || !strings.Contains(d, "collection ") {
		t.Fatalf("Describe() = %q; want \"secretservice (<service>, collection <label>)\"", d)
	}
	if mustRunSecretService() && !strings.Contains(d, "gnome-keyring") {
		t.Errorf("Describe() = %q; want it to name gnome-keyring (the CI service)", d)
	}
	t.Log(d)
}

func TestSecretServiceOpenNativeAndOpenStore(t *testing.T) {
	openTestSecretService(t) // skips where there is no service
	for _, choice := range []string{"auto", "secretservice"} {
		st, warning, err := OpenStore(choice, Options{Getenv: os.Getenv, FilePath: t.TempDir() + "/tokens.toml"})
		if err != nil || warning != "" {
			t.Fatalf("OpenStore(%q) = (_, %q, %v); want the Secret Service, no warning", choice, warning, err)
		}
		if st.Name() != "secretservice" {
			t.Fatalf("OpenStore(%q) opened %s; want secretservice", choice, st.Describe())
		}
		_ = st.(*secretService).Close()
	}
}

// guiltRidden is gnome-keyring's private interface for creating and
// unlocking a collection with a password and no prompt.
const guiltRidden = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"

// lockedCollection creates a throwaway collection in gnome-keyring (no
// prompt), stores a token for address in it and locks it. The collection is
// deleted when the test ends.
func lockedCollection(t *testing.T, s *secretService, address, token string) {
	t.Helper()
	master, err := s.encode([]byte("test-password"))
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]dbus.Variant{ssCollectionIfc + ".Label": dbus.MakeVariant("ppm-locked-test")}
	var coll dbus.ObjectPath
	if err := s.call(ssBusName, ssServicePath, guiltRidden+".CreateWithMasterPassword", props, master).Store(&coll); err != nil {
		t.Fatalf("creating a test collection through gnome-keyring's %s: %v", guiltRidden, err)
	}
	t.Cleanup(func() {
		var prompt dbus.ObjectPath
		if err := s.call(ssBusName, coll, ssCollectionIfc+".Delete").Store(&prompt); err != nil {
			t.Errorf("deleting the test collection %s: %v", coll, err)
		}
	})
	inColl := *s
	inColl.collection = coll
	if err := inColl.Set(address, token); err != nil {
		t.Fatalf("storing a token in the test collection: %v", err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := s.service("Lock", []dbus.ObjectPath{coll}).Store(&locked, &prompt); err != nil || len(locked) != 1 {
		t.Fatalf("locking the test collection: locked %v, prompt %s, %v", locked, prompt, err)
	}
}

func TestSecretServiceLockedCollectionFailsClearly(t *testing.T) {
	if !mustRunSecretService() {
		t.Skip("SKIPPED: locks a keyring collection; runs only under " + envMustRunSecretService + "=1 (.ci/secretservice-test.sh)")
	}
	s := openTestSecretService(t)
	a := uniqueAddress(t, "")
	lockedCollection(t, s, a, "tok-locked")

	for name, op := range map[string]func() error{
		"Get":    func() error { _, err := s.Get(a); return err },
		"Delete": func() error { return s.Delete(a) },
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			err := op()
			t.Logf("%s on a locked collection failed after %s: %v", name, time.Since(start).Round(time.Millisecond), err)
			if err == nil || errors.Is(err, ErrNotFound) {
				t.Fatalf("%s(%q) on a locked collection = %v; want a failure saying it is locked", name, a, err)
			}
			if !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), "PPM_CREDENTIAL_STORE=file") {
				t.Errorf("error %q should say the keyring is locked and how to get by", err)
			}
			if strings.Contains(err.Error(), "tok-locked") {
				t.Errorf("error contains the token: %q", err)
			}
		})
	}
}

func BenchmarkSecretServiceGet(b *testing.B) {
	s, a, tok := benchToken(b)
	// What one `git credential fill` costs: connect, session, search, read.
	b.Run("open+get+close", func(b *testing.B) {
		for b.Loop() {
			s2, err := openSecretService(secretServiceConfig{getenv: os.Getenv})
			if err != nil {
				b.Fatal(err)
			}
			if got, err := s2.Get(a); err != nil || got != tok {
				b.Fatalf("Get = %v", err)
			}
			_ = s2.Close()
		}
	})
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Get(a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchToken opens the test's store and stores a JWT-sized token under an
// address of its own (removed after b): the store, address and token.
func benchToken(b *testing.B) (*secretService, string, string) {
	s := openTestSecretService(b)
	a := uniqueAddress(b, "")
	deleteAfter(b, s, a)
	tok := strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 40)
	if err := s.Set(a, tok); err != nil {
		b.Fatal(err)
	}
	return s, a, tok
}

// TestSecretServicePrefetchSeesReplacement: a store opened with Prefetch
// for an address, whose token another process then replaces (new item, old
// one deleted), still reads the new token: the prefetched search names an
// item that is gone, so Get searches again.
func TestSecretServicePrefetchSeesReplacement(t *testing.T) {
	writer := openTestSecretService(t)
	a := uniqueAddress(t, "")
	deleteAfter(t, writer, a)
	if err := writer.Set(a, "old-token"); err != nil {
		t.Fatal(err)
	}
	reader, err := openSecretService(secretServiceConfig{getenv: os.Getenv, prefetch: []string{a}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reader.Close() })
	if err := writer.Set(a, "new-token"); err != nil {
		t.Fatal(err)
	}
	if got, err := reader.Get(a); err != nil || got != "new-token" {
		t.Fatalf("Get after another connection replaced the token = (%q, %v); want new-token", got, err)
	}
}
