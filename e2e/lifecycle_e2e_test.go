package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// TestTraceSaysWhichTokenAndWhy: PPM_CREDENTIAL_TRACE gives one decision
// line per request, also for a get answered from the store: the address,
// where the token came from and its time left — or why there was none.
func TestTraceSaysWhichTokenAndWhy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	if r := w.run(req, "get"); r.code != 0 {
		t.Fatalf("first get: %s", r.stderr)
	}
	before, _ := os.ReadFile(w.trace)
	if !strings.Contains(string(before), "token for "+w.ppm.URL()+": none usable (none in the file store") {
		t.Errorf("the first get's trace does not say why no stored token was used:\n%s", before)
	}
	if r := w.run(req, "get"); r.code != 0 {
		t.Fatalf("second get: %s", r.stderr)
	}
	after, _ := os.ReadFile(w.trace)
	second := strings.TrimPrefix(string(after), string(before))
	var decisions []string
	for _, line := range strings.Split(second, "\n") {
		if strings.Contains(line, "token for ") {
			decisions = append(decisions, line)
		}
	}
	if len(decisions) != 1 || !strings.Contains(decisions[0], w.ppm.URL()) || !strings.Contains(decisions[0], "from the store file") || !strings.Contains(decisions[0], "m") || !strings.Contains(decisions[0], "left") {
		t.Errorf("a get from the store traced %q; want one line with the address, the store and the time left", decisions)
	}
	w.assertNoSecretsLeaked()
}

// TestInvalidExpIsExpired: a stored JWT whose exp is a string is not
// "never expires": status calls it expired and get replaces it.
func TestInvalidExpIsExpired(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	enc := base64.RawURLEncoding.EncodeToString
	bad := enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte(`{"sub":"someone","exp":"never"}`)) + ".c2ln"
	file := filepath.Join(w.home, ".ppm", "tokens.toml")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	entry := "[[connections]]\naddress = \"" + w.ppm.URL() + "\"\ntoken = \"" + bad + "\"\nauth_type = \"sso\"\n"
	if err := os.WriteFile(file, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	st := w.run("", "status")
	if st.code != 0 || !strings.Contains(st.stdout, "token: present (expired") || !strings.Contains(st.stdout, "exp claim is not a valid time") {
		t.Errorf("status of a token with exp \"never\": %q %q", st.stdout, st.stderr)
	}
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if got := attr(r.stdout, "password"); got == bad || !w.ppm.ValidToken(got) {
		t.Errorf("get served the token with a bad exp (or nothing valid): %q %s", r.stdout, r.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges = %d; want 1", c.Exchange)
	}
}

// TestSkewedClockIsNamedOnce: the server's clock (its Date header, its
// tokens' iat) is 2 hours behind ours, so its 1-hour tokens arrive expired;
// the helper says so in one line with both clocks, and serves nothing (never an expired token as if it were
// valid), instead of exchanging again on every request in silence.
func TestSkewedClockIsNamedOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}).withIdentity()
	for range 2 {
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 1 || !strings.Contains(r.stderr, "clock") || !strings.Contains(r.stderr, "2h0m") || !strings.Contains(r.stderr, "already expired") || !strings.Contains(r.stderr, "the server's Date header says") {
			t.Errorf("code %d, stderr %q; want exit 1 and one line naming the clock and a skew of about 2h", r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("an expired token was handed to git: %q", r.stdout)
		}
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, "token: none stored") {
		t.Errorf("an expired token was stored: %q", st.stdout)
	}
}

// TestServerClockAnHourBehindGivesAShortTokenOnce: the server's clock is
// 58 minutes behind, so its 1-hour tokens arrive with 2 minutes left. git
// gets the token with one line naming the clock; the next requests are
// answered from the store instead of exchanging again for a token just as
// short.
func TestServerClockAnHourBehindGivesAShortTokenOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{Now: func() time.Time { return time.Now().Add(-58 * time.Minute) }}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	r := w.run(req, "get")
	tok := attr(r.stdout, "password")
	if r.code != 0 || !w.ppm.ValidToken(tok) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "clock") || !strings.Contains(r.stderr, "58m") {
		t.Fatalf("first get: code %d, stderr %q; want the token and one line naming the clock", r.code, r.stderr)
	}
	for range 2 {
		again := w.run(req, "get")
		if again.code != 0 || attr(again.stdout, "password") != tok || again.stderr != "" {
			t.Errorf("a later get: code %d, stderr %q; want the stored token in silence", again.code, again.stderr)
		}
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges = %d; want 1", c.Exchange)
	}
	w.assertNoSecretsLeaked(tok)
}

// TestStoreFallbackWarnsOncePerReason: with no Secret Service, auto keeps
// tokens in the file store and says so once per user, in one line with no
// parenthesis inside another; again only when the reason changes; status
// shows the reason in its store line every time.
func TestStoreFallbackWarnsOncePerReason(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is the Linux store")
	}
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PPM_CREDENTIAL_STORE", "auto")
	w.set("DBUS_SESSION_BUS_ADDRESS", "")
	w.set("XDG_RUNTIME_DIR", t.TempDir()) // no session bus socket there
	warnings := 0
	for i := 0; i < 3; i++ {
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
		if r.code != 0 || attr(r.stdout, "password") == "" {
			t.Fatalf("get %d: %d %q", i, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "keeping tokens in the file store") {
			warnings++
			if nestedParens(r.stderr) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("the warning: %q; want one line, no parenthesis in another", r.stderr)
			}
		}
		if s := w.run("", "status"); !strings.Contains(s.stdout, "store: file (") || !strings.Contains(s.stdout, "no D-Bus session") {
			t.Errorf("status does not show why the file store is used: %q", s.stdout)
		}
	}
	if warnings != 1 {
		t.Errorf("the fallback warning came %d times in 3 gets (and 3 status runs); want once", warnings)
	}
	// Another reason: said once more.
	w.set("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	var again []string
	for i := 0; i < 2; i++ {
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
		if strings.Contains(r.stderr, "keeping tokens in the file store") {
			again = append(again, r.stderr)
		}
	}
	if len(again) != 1 || !strings.Contains(again[0], "no-bus") {
		t.Errorf("after the reason changed: %q; want the warning once, with the new reason", again)
	}
}
