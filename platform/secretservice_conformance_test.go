//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform_test

import (
	"io"
	"os"
	"testing"

	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/platform/storetest"
)

// TestSecretServiceConformance runs the store suite against the session's
// Secret Service, opened the way the program opens it. The gating is that of
// secretservice_test.go: must run under PPM_TEST_SECRETSERVICE=1, skipped
// under CI=true otherwise, and skipped loudly without a D-Bus session.
func TestSecretServiceConformance(t *testing.T) {
	must := os.Getenv("PPM_TEST_SECRETSERVICE") == "1"
	if !must {
		if os.Getenv("CI") == "true" {
			t.Skip("SKIPPED: the Secret Service tests run in .ci/secretservice-test.sh (PPM_TEST_SECRETSERVICE=1, private D-Bus with gnome-keyring)")
		}
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			t.Skip("SKIPPED: no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset); run .ci/secretservice-test.sh to test the Secret Service store")
		}
	}
	storetest.Run(t, func(t *testing.T) platform.Store {
		st, warning, err := platform.OpenStore("secretservice", platform.Options{Getenv: os.Getenv, FilePath: "/nonexistent/tokens.toml"})
		if err != nil {
			if must {
				t.Fatalf("PPM_TEST_SECRETSERVICE=1 but the Secret Service cannot be opened: %v", err)
			}
			t.Skipf("SKIPPED: the Secret Service cannot be opened: %v", err)
		}
		if warning != "" {
			t.Fatalf("OpenStore(secretservice) warned: %s", warning)
		}
		if _, ok := st.(io.Closer); !ok {
			t.Fatalf("the Secret Service store does not implement io.Closer")
		}
		return st
	})
}
