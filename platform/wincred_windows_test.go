//go:build windows

package platform_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/danieljoos/wincred"

	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/platform/storetest"
)

func openWincred(t *testing.T) platform.Store {
	t.Helper()
	s, warning, err := platform.OpenStore("wincred", platform.Options{})
	if err != nil {
		t.Fatalf("opening the Windows Credential Manager store: %v", err)
	}
	if warning != "" {
		t.Fatalf("opening the Windows Credential Manager store warned: %s", warning)
	}
	return s
}

// TestWincredConformance runs the shared store suite against the real
// Credential Manager (under Wine in CI: .ci/wine-test.sh).
func TestWincredConformance(t *testing.T) {
	storetest.Run(t, openWincred)
}

// TestWincredNativeItems checks what the store leaves in the Credential
// Manager, read back with CredRead directly (not through the store): the
// target name, user name, comment and blob of a short token, and the chunk
// items of a long one — so the store's layout is what its doc comment says,
// and CredWrite/CredRead really round-trip on this system.
func TestWincredNativeItems(t *testing.T) {
	st := openWincred(t)
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		t.Fatal(err)
	}
	address := "https://ppm-native-" + hex.EncodeToString(id) + ".storetest.invalid/"
	target := "git-credential-ppm:" + strings.TrimSuffix(address, "/")
	t.Cleanup(func() {
		if err := st.Delete(address); err != nil && !errors.Is(err, platform.ErrNotFound) {
			t.Errorf("cleanup: %v", err)
		}
	})

	short := "eyJhbGciOiJIUzI1NiJ9.native." + hex.EncodeToString(id)
	if err := st.Set(address, short); err != nil {
		t.Fatalf("Set: %v", err)
	}
	c, err := wincred.GetGenericCredential(target)
	if err != nil {
		t.Fatalf("CredRead(%q) after Set: %v", target, err)
	}
	if string(c.CredentialBlob) != short || c.UserName != "__token__" || c.Persist != wincred.PersistLocalMachine ||
		!strings.Contains(c.Comment, address) {
		t.Fatalf("CredRead(%q) = user %q persist %d comment %q blob %d bytes; want __token__, LocalMachine, a comment naming %s and the token",
			target, c.UserName, c.Persist, c.Comment, len(c.CredentialBlob), address)
	}

	long := strings.Repeat("0123456789abcdef", 1024) // 16 KiB: 7 chunks
	if err := st.Set(address, long); err != nil {
		t.Fatalf("Set of 16 KiB: %v", err)
	}
	var joined strings.Builder
	for i := range 7 {
		name := target + ":chunk:" + string(rune('0'+i))
		c, err := wincred.GetGenericCredential(name)
		if err != nil {
			t.Fatalf("CredRead(%q): %v", name, err)
		}
		if len(c.CredentialBlob) > 2560 {
			t.Fatalf("%s holds %d bytes; Windows refuses more than 2560", name, len(c.CredentialBlob))
		}
		joined.Write(c.CredentialBlob)
	}
	if joined.String() != long {
		t.Fatalf("the 7 chunks joined are %d bytes and differ from the token", joined.Len())
	}
	if got, err := st.Get(strings.TrimSuffix(address, "/")); err != nil || got != long {
		t.Fatalf("Get without the trailing slash = %d bytes, %v", len(got), err)
	}

	if err := st.Set(address, short); err != nil {
		t.Fatalf("Set back to a short token: %v", err)
	}
	if _, err := wincred.GetGenericCredential(target + ":chunk:0"); !errors.Is(err, wincred.ErrElementNotFound) {
		t.Fatalf("chunk 0 after storing a short token: %v; want it deleted", err)
	}
	if err := st.Delete(address); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := wincred.GetGenericCredential(target); !errors.Is(err, wincred.ErrElementNotFound) {
		t.Fatalf("CredRead after Delete: %v; want ERROR_NOT_FOUND", err)
	}
}

// TestWincredAutoIsNative: under auto, a Windows session with a credential
// vault uses the Credential Manager, not the file store.
func TestWincredAutoIsNative(t *testing.T) {
	s, warning, err := platform.OpenStore("auto", platform.Options{FilePath: `C:\nonexistent\tokens.toml`})
	if err != nil || warning != "" || s.Name() != "wincred" {
		t.Fatalf("OpenStore(auto) = %v, %q, %v; want the wincred store", s, warning, err)
	}
}
