package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// TestStatusAgreesWithGetSecretService: a stale token in the OS store (a
// real gnome-keyring) and a valid one in tokens.toml, written by another
// tool. get serves tokens.toml's, and status says that one is valid and
// where it is from — the same lookup rule. Runs under
// PPM_TEST_SECRETSERVICE=1 (.ci/secretservice-test.sh).
func TestStatusAgreesWithGetSecretService(t *testing.T) {
	t.Parallel()
	if os.Getenv("PPM_TEST_SECRETSERVICE") != "1" {
		t.Skip("SKIPPED: needs gnome-keyring on a private D-Bus; run .ci/secretservice-test.sh")
	}
	const life = 6 * time.Second
	w := newWorld(t, fakeppm.Options{TokenLifetime: life}).withIdentity()
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		w.set(k, os.Getenv(k))
	}
	w.set("PPM_CREDENTIAL_STORE", "secretservice")
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login into the Secret Service: %s", r.stderr)
	}
	t.Cleanup(func() { w.run("", "logout") })
	time.Sleep(life) // the Secret Service's token is now stale
	// Another tool (pak, here this helper with the file store) writes a
	// fresh token into tokens.toml.
	w.set("PPM_CREDENTIAL_STORE", "file")
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login into tokens.toml: %s", r.stderr)
	}
	w.set("PPM_CREDENTIAL_STORE", "secretservice")
	exchanges := w.ppm.Counts().Exchange
	got := attr(w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get").stdout, "password")
	js := w.run("", "status", "--json")
	var rep statusJSON
	if err := json.Unmarshal([]byte(js.stdout), &rep); err != nil || len(rep.Addresses) != 1 {
		t.Fatalf("status --json: %v %s", err, js.stdout)
	}
	a := rep.Addresses[0]
	if !w.ppm.ValidToken(got) || w.ppm.Counts().Exchange != exchanges {
		t.Fatalf("get did not serve tokens.toml's valid token without an exchange")
	}
	if !a.Valid || a.Source != "tokens.toml" || a.Store != "secretservice" {
		t.Errorf("status says valid=%v source=%q store=%q; want the token get served: valid, from tokens.toml", a.Valid, a.Source, a.Store)
	}
	if text := w.run("", "status"); !strings.Contains(text.stdout, "present (valid), from tokens.toml") {
		t.Errorf("status: %q", text.stdout)
	}
}
