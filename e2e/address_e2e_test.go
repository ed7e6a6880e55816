package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// storedTokenFor gets a real token from the fake PPM (over its plain-http
// loopback address) and then files it in tokens.toml under address, which
// becomes the only configured address: the helper now holds a working
// token for a server it never has to reach.
func (w *world) storedTokenFor(address string) string {
	w.t.Helper()
	got := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	tok := attr(got.stdout, "password")
	if !w.ppm.ValidToken(tok) {
		w.t.Fatalf("no token from the fake: %q %q", got.stdout, got.stderr)
	}
	file := filepath.Join(w.home, ".ppm", "tokens.toml")
	body := "[[connections]]\naddress = \"" + address + "\"\ntoken = \"" + tok + "\"\nauth_type = \"sso\"\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_ADDRESS", address)
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", "")
	w.set("PPM_CREDENTIAL_INTERACTIVE", "never")
	return tok
}

// TestUnicodeLookAlikeHostGetsNothingAndErasesNothing: the address is
// https://packagemanager.posit.co; requests for packagemanager.posİt.co
// (U+0130, which strings.ToLower folds to "i" but DNS resolves to another
// domain) must be answered with nothing and must not delete the real
// token, through real git and through the keyring personality.
func TestUnicodeLookAlikeHostGetsNothingAndErasesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	const real = "https://packagemanager.posit.co"
	tok := w.storedTokenFor(real)
	git := testtool.Need(t, "git")
	if r := w.git("config", "--global", "credential.helper", helperBin); r.code != 0 {
		t.Fatalf("git config: %s", r.stderr)
	}
	lookAlikes := []string{"packagemanager.posİt.co", "PACKAGEMANAGER.POSİT.CO", "packagemanager.poſit.co", "pac\u212aagemanager.posit.co"}
	stillThere := func(after string) {
		t.Helper()
		r := w.run(gitRequest("https", "packagemanager.posit.co", ""), "get")
		if attr(r.stdout, "password") != tok {
			t.Fatalf("after %s the real token is gone: %q %q", after, r.stdout, r.stderr)
		}
	}
	for _, host := range lookAlikes {
		if r := w.run(gitRequest("https", host, ""), "get"); r.code != 0 || r.stdout != "" {
			t.Errorf("get for %q: code %d stdout %q; want nothing and exit 0", host, r.code, r.stdout)
		}
		// git's own path: git credential reject calls the helper's erase
		// with the password it was given.
		reject := w.runCmd(exec.Command(git, "credential", "reject"), "protocol=https\nhost="+host+"\nusername=__token__\npassword="+tok+"\n")
		if reject.code != 0 {
			t.Fatalf("git credential reject: %s", reject.stderr)
		}
		stillThere("git credential reject for " + host)
		if r := w.run("protocol=https\nhost="+host+"\nusername=__token__\npassword="+tok+"\n", "erase"); r.code != 0 || r.stdout != "" {
			t.Errorf("erase for %q: %d %q", host, r.code, r.stdout)
		}
		stillThere("erase for " + host)
		service := "https://" + host + "/pypi/latest/simple/"
		if r := w.run("", "keyring", "get", service, "__token__"); r.code != 1 || r.stdout != "" {
			t.Errorf("keyring get %q: code %d stdout %q", service, r.code, r.stdout)
		}
		if r := w.run("", "keyring", "del", "https://"+host, "__token__"); r.code != 1 {
			t.Errorf("keyring del for %q: code %d", host, r.code)
		}
		stillThere("keyring del for " + host)
	}
	fill := w.runCmd(exec.Command(git, "credential", "fill"), "url=https://packagemanager.posİt.co/git/demo.git\n")
	if strings.Contains(fill.stdout, tok) {
		t.Errorf("git credential fill for the look-alike host got the token")
	}
	// The control: the same erase for the real host does delete it, so the
	// checks above could have failed.
	if r := w.runCmd(exec.Command(git, "credential", "reject"), "protocol=https\nhost=PackageManager.Posit.CO\nusername=__token__\npassword="+tok+"\n"); r.code != 0 {
		t.Fatalf("git credential reject: %s", r.stderr)
	}
	if r := w.run(gitRequest("https", "packagemanager.posit.co", ""), "get"); strings.Contains(r.stdout, tok) {
		t.Errorf("erase for the real host (in another ASCII case) left the token: %q", r.stdout)
	}
	w.assertNoSecretsLeaked(tok)
}

// TestPipHTTPIndexGetsNoTokenThroughTheBareHost reproduces the plain-http
// downgrade with real pip. The configured address is https on the fake's
// host and port; pip is given the same server as a plain-http index URL
// (as a typo or an old pip.conf would). pip asks `keyring get <index URL>`
// (refused: the scheme is not the address's), then `keyring get
// <host:port>`, which must be refused too, or pip sends the token in
// clear. The fake counts every repository request and every 401: pip must
// fail with 401s only. The control run with the plain-http loopback
// address configured downloads, so the token would have worked.
func TestPipHTTPIndexGetsNoTokenThroughTheBareHost(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.keyringLink()
	py := w.python()
	httpAddr := w.ppm.URL()
	httpsAddr := strings.Replace(httpAddr, "http://", "https://", 1)
	tok := w.storedTokenFor(httpsAddr)
	host := hostOf(httpAddr)
	index := strings.Replace(w.ppm.IndexURL(), "://", "://__token__@", 1)
	download := func(dir string) result {
		cmd := exec.Command(py, "-m", "pip", "download", "--no-deps", "-d", filepath.Join(w.home, dir), "--keyring-provider", "subprocess", "--index-url", index, w.ppm.WheelName())
		cmd.Env = pipEnv(w)
		return w.runCmd(cmd, "")
	}
	before := w.ppm.Counts()
	r := download("refused")
	after := w.ppm.Counts()
	if r.code == 0 {
		t.Fatalf("pip downloaded from the http index with a token configured for https: %s", r.stdout)
	}
	if repo, unauth := after.Repo-before.Repo, after.Unauthorized-before.Unauthorized; repo == 0 || repo != unauth {
		t.Errorf("pip made %d repository requests, %d answered 401; want some, all 401 (no token sent)", repo, unauth)
	}
	trace, _ := os.ReadFile(w.trace)
	for _, service := range []string{strings.Replace(w.ppm.IndexURL(), "/simple/", "/simple", 1), host} {
		if !strings.Contains(string(trace), "keyring get "+service) {
			t.Errorf("the trace shows no refused `keyring get %s`: pip's sequence was not exercised\n%s", service, trace)
		}
	}
	// Control: with the plain-http loopback address configured, the same
	// pip command gets the same token and downloads.
	w.set("PACKAGEMANAGER_ADDRESS", httpAddr)
	if err := os.WriteFile(filepath.Join(w.home, ".ppm", "tokens.toml"), []byte("[[connections]]\naddress = \""+httpAddr+"\"\ntoken = \""+tok+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := download("served"); r.code != 0 || !fileExists(filepath.Join(w.home, "served", w.ppm.WheelFile())) {
		t.Fatalf("control: pip with the http loopback address configured failed: %s %s", r.stdout, r.stderr)
	}
	w.assertNoSecretsLeaked(tok)
}

// TestTraceAndErrorsKeepOurWords: redaction removes secrets and nothing
// else. The trace keeps each request's status code, the refusal of an
// expired identity token keeps its advice, and a password in a keyring
// service's userinfo is not traced.
func TestTraceAndErrorsKeepOurWords(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.keyringLink()
	host := hostOf(w.ppm.URL())
	if r := w.run(gitRequest("http", host, ""), "get"); r.code != 0 || attr(r.stdout, "password") == "" {
		t.Fatalf("get: %d %q", r.code, r.stderr)
	}
	const typed = "hunter2-typed-into-pip.conf"
	service := strings.Replace(w.ppm.IndexURL(), "://", "://__token__:"+typed+"@", 1)
	if r := w.keyring("get", service, "__token__"); r.code != 1 || r.stdout != "" {
		t.Errorf("keyring get with userinfo: %d %q", r.code, r.stdout)
	}
	// A service with a terminal escape and a line break: one trace line,
	// escaped.
	if r := w.keyring("get", "https://evil.example/\x1b[2J\nforged line", "__token__"); r.code != 1 {
		t.Errorf("keyring get of a hostile service: %d", r.code)
	}
	trace, _ := os.ReadFile(w.trace)
	if strings.Contains(string(trace), "\x1b") || strings.Contains(string(trace), "\nforged line") {
		t.Errorf("the trace carries a raw escape or line break from a service string:\n%q", trace)
	}
	if !strings.Contains(string(trace), `https://evil.example/\x1b[2J\nforged line`) {
		t.Errorf("the trace does not show the hostile service escaped:\n%s", trace)
	}
	if !strings.Contains(string(trace), "/__api__/token: 200 OK") {
		t.Errorf("the trace hides the exchange's status code:\n%s", trace)
	}
	if !strings.Contains(string(trace), "keyring get "+strings.Replace(w.ppm.IndexURL(), "://", "://__token__:[redacted]@", 1)) {
		t.Errorf("the trace does not show the refused service with its password redacted:\n%s", trace)
	}
	// An identity token the server refuses: the advice survives.
	expired := filepath.Join(w.home, "expired-oidc")
	if err := os.WriteFile(expired, []byte(w.ppm.IssueIdentityTokenFor("ci-job", -1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", expired)
	r := w.run("", "login")
	if r.code == 0 || !strings.Contains(r.stderr, "refused the identity token: check that it is current") {
		t.Errorf("login with an expired identity token: %d %q; want the advice intact", r.code, r.stderr)
	}
	w.assertNoSecretsLeaked(typed)
}
