//go:build darwin

package platform_test

import (
	"os"
	"testing"

	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/platform/storetest"
)

// TestKeychainConformance runs the store suite against the login keychain,
// opened the way the program opens it: through /usr/bin/security in a
// CGO_ENABLED=0 build (what the release ships), through the Security
// framework with cgo. It writes items into the real keychain (addresses under
// .invalid, deleted afterwards), so it runs only with PPM_TEST_KEYCHAIN=1, as
// the macOS job of .github/workflows/ci.yml sets.
func TestKeychainConformance(t *testing.T) {
	if os.Getenv("PPM_TEST_KEYCHAIN") != "1" {
		t.Skip("SKIPPED: set PPM_TEST_KEYCHAIN=1 to run the store suite against your login keychain (CI's macOS job does)")
	}
	storetest.Run(t, func(t *testing.T) platform.Store {
		st, warning, err := platform.OpenStore("keychain", platform.Options{Getenv: os.Getenv, FilePath: "/nonexistent/tokens.toml"})
		if err != nil {
			t.Fatalf("PPM_TEST_KEYCHAIN=1 but the Keychain store cannot be opened: %v", err)
		}
		if warning != "" {
			t.Fatalf("OpenStore(keychain) warned: %s", warning)
		}
		return st
	})
}
