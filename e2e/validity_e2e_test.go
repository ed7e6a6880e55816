package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// The minimum validity (docs/contract.md §3) with real clients: pip and
// git keep the credential they get for the whole run, so a stored one-hour
// token with 3 minutes left is renewed (the identity file is configured)
// before any of them gets it. Each test plants such a token in tokens.toml
// as an earlier exchange would have left it.

// plantShortToken stores a token of the fake's with 3 minutes left in the
// world's tokens.toml and returns it.
func (w *world) plantShortToken() string {
	w.t.Helper()
	tok := w.ppm.IssuePPMTokenWithLeft("planted", 3*time.Minute)
	file := filepath.Join(w.home, ".ppm", "tokens.toml")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		w.t.Fatal(err)
	}
	entry := "[[connections]]\naddress = \"" + w.ppm.URL() + "\"\ntoken = \"" + tok + "\"\nauth_type = \"sso\"\n"
	if err := os.WriteFile(file, []byte(entry), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// assertRenewed checks that one exchange replaced the planted token, that
// every repository request the client made carried a token with most of
// its hour left, and that status shows the new token as valid.
func (w *world) assertRenewed(planted string) {
	w.t.Helper()
	if c := w.ppm.Counts(); c.Exchange != 1 {
		w.t.Errorf("exchanges = %d; want 1 (the 3-minute token renewed first)", c.Exchange)
	}
	left := w.ppm.RepoTokensLeft()
	if len(left) == 0 {
		w.t.Fatal("the client made no authenticated request")
	}
	for _, l := range left {
		if l < 55*time.Minute {
			w.t.Errorf("a repository request carried a token with %s left; want the renewed one (about 1h)", l)
		}
	}
	var st statusJSON
	r := w.run("", "status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || len(st.Addresses) != 1 {
		w.t.Fatalf("status --json: %v %q", err, r.stdout)
	}
	a := st.Addresses[0]
	if !a.Valid || a.RenewDue || a.SecondsLeft == nil || *a.SecondsLeft < 3500 || a.Subject != "ci-job" {
		w.t.Errorf("status after the renewal: %+v; want the new token, valid for about an hour", a)
	}
	w.assertNoSecretsLeaked(planted)
}

func TestGitFillRenewsAThreeMinuteToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	planted := w.plantShortToken()
	if st := w.run("", "status"); !strings.Contains(st.stdout, "valid for now, but under the 5m0s a token must have left to be handed out") {
		t.Errorf("status of the planted token: %q", st.stdout)
	}
	tok, r := w.gitFill()
	if r.code != 0 || tok == planted || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill: %d %q; want a new token", r.code, r.stderr)
	}
	if ls := w.git("ls-remote", w.ppm.GitRepoURL()); ls.code != 0 {
		t.Fatalf("git ls-remote: %s", ls.stderr)
	}
	w.assertRenewed(planted)
}

func TestPipThroughKeyringLinkRenewsAThreeMinuteToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.keyringLink()
	planted := w.plantShortToken()
	dl, _, r := w.pipDownloadThroughKeyring()
	if r.code != 0 || !fileExists(filepath.Join(dl, w.ppm.WheelFile())) {
		t.Fatalf("pip download through the keyring link: %s\n%s", r.stdout, r.stderr)
	}
	w.assertRenewed(planted)
}

func TestPipThroughWheelBackendRenewsAThreeMinuteToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	whl := buildLinuxWheel(t, w.home)
	v := newPyVenv(t, w, whl)
	planted := w.plantShortToken()
	dl := filepath.Join(w.home, "dl")
	// No keyring on PATH: pip imports keyring, whose chainer asks our
	// backend, which runs the binary the wheel installed.
	r := v.run(nil, "-m", "pip", "download", "--no-deps", "-d", dl, "--index-url", w.ppm.IndexURL(), w.ppm.WheelName())
	if r.code != 0 || !fileExists(filepath.Join(dl, w.ppm.WheelFile())) {
		t.Fatalf("pip download through the wheel's backend: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	w.assertRenewed(planted)
}

// TestNoRenewalServesTheShortTokenWithOneLine: nothing can renew the token
// (no identity token, GIT_TERMINAL_PROMPT=0): git gets the still-valid
// token, and stderr says once how long it has left and how to log in.
func TestNoRenewalServesTheShortTokenWithOneLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	planted := w.plantShortToken()
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code != 0 || attr(r.stdout, "password") != planted {
		t.Fatalf("get: %d %q; want the still-valid token", r.code, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(r.stderr, "left and cannot be renewed here") || !strings.Contains(r.stderr, "git-credential-ppm login") {
		t.Errorf("stderr %q; want one line with the time left and how to log in", r.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 0 {
		t.Errorf("exchanges = %d; want none", c.Exchange)
	}
	w.assertNoSecretsLeaked(planted)
}
