package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// doctorURLWorld is a logged-in user whose git sends Package Manager's
// URLs to this helper alone, so that `doctor URL --for git` has nothing
// to say about git and the request is what the test looks at.
func doctorURLWorld(t *testing.T) *world {
	testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	key := "credential." + w.ppm.URL() + ".helper"
	w.git("config", "--global", key, "")
	w.git("config", "--global", "--add", key, helperBin)
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	return w
}

// TestDoctorURLRequest: the real request with the served token, against
// the fake's 200, 401, 403 and 404, each with its meaning and fix.
func TestDoctorURLRequest(t *testing.T) {
	t.Parallel()
	w := doctorURLWorld(t)
	cases := []struct {
		name   string
		url    string
		before func()
		code   int
		want   []string
	}{
		{"200", w.ppm.IndexURL(), nil, 0, []string{"✓ git-credential-ppm: GET " + w.ppm.IndexURL() + " with the token: 200 OK"}},
		{"403", w.ppm.RestrictedURL(), nil, 1, []string{"403 Forbidden", `has no access to the repository "restricted"`, `fix: ask the Package Manager administrator to give the identity ci-job access to the repository "restricted"`}},
		{"404", w.ppm.URL() + "/pypj/latest/simple/", nil, 1, []string{"404 Not Found", `there is no repository "pypj" at ` + w.ppm.URL()}},
		{"401", w.ppm.IndexURL(), w.ppm.RevokeAll, 1, []string{"401 Unauthorized", "the server refused the token", "fix: git-credential-ppm login " + w.ppm.URL()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.before != nil {
				c.before()
			}
			r := w.run("", "doctor", c.url, "--for", "git")
			for _, want := range c.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("doctor %s lacks %q:\n%s%s", c.url, want, r.stdout, r.stderr)
				}
			}
			if r.code != c.code {
				t.Errorf("exit %d, want %d:\n%s", r.code, c.code, r.stdout)
			}
			if !strings.Contains(r.stdout, "✓ git-credential-ppm: "+c.url+" falls under "+w.ppm.URL()+" (from PACKAGEMANAGER_ADDRESS)") ||
				!strings.Contains(r.stdout, "would serve the token from store (subject ci-job, ") {
				t.Errorf("the address or token line is missing:\n%s", r.stdout)
			}
		})
	}
	w.assertNoSecretsLeaked()
}

// TestDoctorURLOutsideTheAddressesSendsNoToken: a URL under no configured
// address gets no request at all (docs/contract.md §8), and the line names the
// configured addresses and where they came from.
func TestDoctorURLOutsideTheAddressesSendsNoToken(t *testing.T) {
	t.Parallel()
	w := doctorURLWorld(t)
	other := fakeppm.New(fakeppm.Options{})
	defer other.Close()
	r := w.run("", "doctor", other.IndexURL(), "--for", "git")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ git-credential-ppm: "+other.IndexURL()+" is under none of the configured addresses, "+w.ppm.URL()+" (from PACKAGEMANAGER_ADDRESS), so no token is sent there") {
		t.Errorf("doctor for a foreign URL: %d\n%s", r.code, r.stdout)
	}
	if n := other.Counts().Repo; n != 0 {
		t.Errorf("the foreign server got %d requests", n)
	}
	if strings.Contains(r.stdout, "would serve") {
		t.Errorf("a token was looked up for a foreign URL:\n%s", r.stdout)
	}
}

// TestDoctorURLJSON: --json prints an array of {client, check, ok,
// detail, fix}; a password in the URL is never printed.
func TestDoctorURLJSON(t *testing.T) {
	t.Parallel()
	w := doctorURLWorld(t)
	u := strings.Replace(w.ppm.IndexURL(), "://", "://__token__:hunter2-secret@", 1)
	r := w.run("", "doctor", "--json", u, "--for", "git")
	var checks []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &checks); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	seen := map[string]bool{}
	for _, c := range checks {
		for _, k := range []string{"client", "check", "ok", "detail", "fix"} {
			if _, ok := c[k]; !ok {
				t.Errorf("check %v lacks %q", c, k)
			}
		}
		seen[c["client"].(string)+"/"+c["check"].(string)] = c["ok"].(bool)
	}
	if ok, has := seen["git/password in URL"]; !has || ok {
		t.Errorf("the password in the URL is not a failed git check: %v", seen)
	}
	if !seen["git-credential-ppm/request"] || !seen["git-credential-ppm/address"] {
		t.Errorf("address or request failed: %s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "hunter2-secret") {
		t.Errorf("the URL's password was printed:\n%s", r.stdout)
	}
}

// TestDoctorURLUsage: bad --for values and --json without a URL are usage
// errors; doctor without a URL is unchanged (TestDoctorGitOnlyUserPasses).
func TestDoctorURLUsage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	for _, args := range [][]string{
		{"doctor", w.ppm.IndexURL(), "--for", "conda"},
		{"doctor", "--json"},
		{"doctor", "--for", "pip"},
		{"doctor", "ftp://example.invalid/x"},
		{"doctor", w.ppm.IndexURL(), "extra"},
	} {
		r := w.run("", args...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 30 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// TestDoctorForNamedClientNotInstalled: --for a client PATH does not have
// says so.
func TestDoctorForNamedClientNotInstalled(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("PATH", t.TempDir())
	r := w.run("", "doctor", w.ppm.IndexURL(), "--for", "uv")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ uv: uv is not on PATH") {
		t.Errorf("doctor --for uv without uv: %d\n%s", r.code, r.stdout)
	}
}

// TestDoctorURLCertificates: a certificate this machine does not trust is
// named with the CA variables in force; uv, which trusts SSL_CERT_FILE
// alone, is checked against the server's real chain.
func TestDoctorURLCertificates(t *testing.T) {
	t.Parallel()
	w, _, caFile, _ := tlsWorld(t)
	w.set("REQUESTS_CA_BUNDLE", caFile) // this helper trusts the fake
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	bin := filepath.Join(w.home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "uv"), []byte("#!/bin/sh\necho 'uv 0.12.5 (0000000 2026-01-01)'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	w.set("PATH", bin)
	w.set("UV_KEYRING_PROVIDER", "subprocess")
	w.set("UV_INDEX", strings.Replace(w.ppm.IndexURL(), "://", "://__token__@", 1))
	other, err := fakeppm.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	otherFile := filepath.Join(w.home, "other-ca.pem")
	if err := os.WriteFile(otherFile, other.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	w.set("SSL_CERT_FILE", otherFile)
	r := w.run("", "doctor", w.ppm.IndexURL(), "--for", "uv")
	if !strings.Contains(r.stdout, "✗ uv: SSL_CERT_FILE="+otherFile+" replaces uv's certificate authorities, and 127.0.0.1's certificate does not verify against it") {
		t.Errorf("uv trusting another CA is not named:\n%s%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "✓ git-credential-ppm: GET "+w.ppm.IndexURL()+" with the token: 200 OK") {
		t.Errorf("this helper's request failed:\n%s", r.stdout)
	}
	w.set("SSL_CERT_FILE", caFile)
	r = w.run("", "doctor", w.ppm.IndexURL(), "--for", "uv")
	if strings.Contains(r.stdout, "✗ uv: SSL_CERT_FILE") || !strings.Contains(r.stdout, "- uv: SSL_CERT_FILE="+caFile+" replaces uv's certificate authorities") {
		t.Errorf("uv trusting the right CA:\n%s", r.stdout)
	}
	w.set("SSL_CERT_FILE", "")
	w.set("REQUESTS_CA_BUNDLE", "")
	r = w.run("", "doctor", w.ppm.IndexURL(), "--for", "uv")
	if r.code != 1 || !strings.Contains(r.stdout, "TLS certificate not trusted") || !strings.Contains(r.stdout, "certificate settings in force: none of SSL_CERT_FILE, SSL_CERT_DIR, REQUESTS_CA_BUNDLE is set") {
		t.Errorf("an untrusted certificate:\n%s", r.stdout)
	}
}

// TestDoctorURLSaysWhereTheAddressComesFrom: with nothing configured the
// address line suggests `setup` with the URL's server; with the address
// remembered by `setup ADDRESS` (nothing exported) it names the file, and
// for a URL outside it the fix is `setup`, not an export.
func TestDoctorURLSaysWhereTheAddressComesFrom(t *testing.T) {
	testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	r := w.run("", "doctor", w.ppm.IndexURL(), "--for", "git")
	if want := "✗ git-credential-ppm: no Package Manager address is configured, so this helper serves no token for " + w.ppm.IndexURL() + "; fix: git-credential-ppm setup " + w.ppm.URL(); r.code != 1 || !strings.Contains(r.stdout, want) {
		t.Errorf("doctor URL with nothing configured: %d; want %q in\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	if r := w.run("", "setup", w.ppm.URL()); r.code != 0 {
		t.Fatalf("setup %s: %q %q", w.ppm.URL(), r.stdout, r.stderr)
	}
	r = w.run("", "doctor", w.ppm.IndexURL(), "--for", "git")
	if want := "✓ git-credential-ppm: " + w.ppm.IndexURL() + " falls under " + w.ppm.URL() + " (remembered in " + w.configFile() + ")"; !strings.Contains(r.stdout, want) {
		t.Errorf("doctor URL with the remembered address: want %q in\n%s%s", want, r.stdout, r.stderr)
	}
	other := "https://other.example.invalid/pypi/latest/simple/"
	r = w.run("", "doctor", other, "--for", "git")
	want := "✗ git-credential-ppm: " + other + " is under none of the configured addresses, " + w.ppm.URL() + " (remembered in " + w.configFile() + "), so no token is sent there; fix: git-credential-ppm setup https://other.example.invalid if that is your Package Manager"
	if r.code != 1 || !strings.Contains(r.stdout, want) {
		t.Errorf("doctor URL outside the remembered address: %d; want %q in\n%s%s", r.code, want, r.stdout, r.stderr)
	}
}
