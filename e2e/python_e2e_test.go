package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// keyringLink puts a `keyring` symlink to the helper first on PATH, as
// `setup` does, and returns its path.
func (w *world) keyringLink() string {
	w.t.Helper()
	dir := filepath.Join(w.home, "keyring-bin")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	link := filepath.Join(dir, "keyring")
	if err := os.Symlink(helperBin, link); err != nil {
		w.t.Fatal(err)
	}
	w.set("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return link
}

func (w *world) keyring(args ...string) result {
	w.t.Helper()
	return w.runCmd(exec.Command(filepath.Join(w.home, "keyring-bin", "keyring"), args...), "")
}

// TestKeyringArgvShapes checks every way the clients call `keyring`
// (docs/contract.md §6), as a contract: each case names the client code it mirrors.
func TestKeyringArgvShapes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	link := w.keyringLink()
	// No other keyring behind ours: the answers below are ours alone (what
	// is not ours goes to the next keyring on PATH, which
	// TestKeyringHandsForeignCallsToTheNextKeyring covers).
	w.set("PATH", filepath.Dir(link))
	index := w.ppm.IndexURL()
	host := hostOf(w.ppm.URL())
	tok := attr(w.run(gitRequest("http", host, ""), "get").stdout, "password")
	if tok == "" {
		t.Fatal("no token")
	}
	cases := []struct {
		name   string
		args   []string
		stdout string
		code   int
	}{
		// pip 23.1–26.1 src/pip/_internal/network/auth.py KeyRingCliProvider._get_password
		// (read in the installed pip 23.2.1): [keyring, "get", service_name, username],
		// stdin DEVNULL, stdout .strip(os.linesep). Services from
		// MultiDomainBasicAuth._get_new_credentials: index URL (trailing "/"), then netloc.
		{"pip ≤ 26.1, index URL", []string{"get", index, "__token__"}, tok + "\n", 0},
		{"pip ≤ 26.1, index URL without slash", []string{"get", strings.TrimSuffix(index, "/"), "__token__"}, tok + "\n", 0},
		{"pip ≤ 26.1, netloc", []string{"get", host, "__token__"}, tok + "\n", 0},
		// pip ≥ 26.2 src/pip/_internal/network/auth.py KeyRingCliProvider.get_creds:
		// [keyring, "--mode=creds", "--output=json", "get", service_name] + [username],
		// stderr captured, json.loads(stdout) → data["username"], data["password"].
		{"pip ≥ 26.2, json creds, no user", []string{"--mode=creds", "--output=json", "get", index}, `{"username": "__token__", "password": "` + tok + "\"}\n", 0},
		{"pip ≥ 26.2, json creds, user", []string{"--mode=creds", "--output=json", "get", index, "__token__"}, `{"username": "__token__", "password": "` + tok + "\"}\n", 0},
		{"pip ≥ 26.2, json creds, netloc", []string{"--mode=creds", "--output=json", "get", host}, `{"username": "__token__", "password": "` + tok + "\"}\n", 0},
		{"pip ≥ 26.2, other host", []string{"--mode=creds", "--output=json", "get", "pypi.org"}, "", 1},
		{"json password mode", []string{"--output", "json", "get", index, "__token__"}, `{"password": "` + tok + "\"}\n", 0},
		// uv crates/uv-auth/src/keyring.rs KeyringProvider::fetch_subprocess:
		// Command::new("keyring").arg("get").arg(service_name) then .arg(username),
		// or .arg("--mode").arg("creds") without one; stdin null; password
		// output.trim_end(), creds mode lines().next() twice. KeyringProvider::fetch
		// tries the URL, then host[:port].
		{"uv, user known", []string{"get", index, "__token__"}, tok + "\n", 0},
		{"uv, authenticate=always", []string{"get", index, "--mode", "creds"}, "__token__\n" + tok + "\n", 0},
		// uv tries scheme://host[:port] for non-https indexes (crates/uv-auth/src/middleware.rs,
		// AuthMiddleware::fetch_credentials, per realm).
		{"uv, scheme://host", []string{"get", w.ppm.URL(), "--mode", "creds"}, "__token__\n" + tok + "\n", 0},
		{"uv, host realm", []string{"get", host, "__token__"}, tok + "\n", 0},
		{"uv, host realm, authenticate=always", []string{"get", host, "--mode", "creds"}, "__token__\n" + tok + "\n", 0},
		{"other user", []string{"get", index, "alice"}, "", 1},
		{"other host", []string{"get", "https://pypi.org/simple/", "__token__"}, "", 1},
		{"look-alike host", []string{"get", "http://" + host + ".evil.com/simple/", "__token__"}, "", 1},
		{"password mode without user", []string{"get", index}, "", 2},
		{"set is refused", []string{"set", index, "__token__"}, "", 1},
		{"unknown option", []string{"--frobnicate", "get", index, "__token__"}, "", 2},
		{"bad mode", []string{"--mode=token", "get", index, "__token__"}, "", 2},
	}
	before := w.ppm.Counts()
	for _, c := range cases {
		r := w.keyring(c.args...)
		if r.code != c.code || r.stdout != c.stdout {
			t.Errorf("%s: keyring %q → code %d stdout %q (stderr %q); want %d %q", c.name, c.args, r.code, r.stdout, r.stderr, c.code, c.stdout)
		}
		if strings.Contains(r.stderr, tok) {
			t.Errorf("%s: the token reached stderr", c.name)
		}
		if c.code == 2 && !strings.Contains(r.stderr, "usage: keyring") {
			t.Errorf("%s: a usage error without the usage: %q", c.name, r.stderr)
		}
	}
	if after := w.ppm.Counts(); after != before {
		t.Errorf("keyring gets from the store made requests: %+v → %+v", before, after)
	}
	// pip's KeyRingCliProvider._set_password pipes the typed password on
	// stdin (check=True): refused, stdin drained, nothing stored.
	set := w.runCmd(exec.Command(filepath.Join(w.home, "keyring-bin", "keyring"), "set", host, "__token__"), "typed-password\n")
	if set.code != 1 || !strings.Contains(set.stderr, "not supported") {
		t.Errorf("keyring set: %d %q", set.code, set.stderr)
	}
	// JSON answers parse as JSON.
	var creds map[string]string
	r := w.keyring("--mode=creds", "--output=json", "get", index)
	if err := json.Unmarshal([]byte(r.stdout), &creds); err != nil || creds["password"] != tok {
		t.Errorf("json answer does not parse: %v", err)
	}
	// The subcommand form behaves the same.
	if r := w.run("", "keyring", "get", index, "__token__"); r.stdout != tok+"\n" {
		t.Errorf("git-credential-ppm keyring get: %q", r.stdout)
	}
	if r := w.keyring("--list-backends"); r.code != 0 || !strings.Contains(r.stdout, "file") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--list-backends: %q", r.stdout)
	}
	if r := w.keyring("del", index, "__token__"); r.code != 0 {
		t.Errorf("del: %d %s", r.code, r.stderr)
	}
	w.set("PPM_CREDENTIAL_INTERACTIVE", "never")
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", "")
	addr := w.ppm.URL()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	if r := w.keyring("get", index, "__token__"); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "no Package Manager address is configured") {
		t.Errorf("keyring get without PACKAGEMANAGER_ADDRESS: %d %q %q", r.code, r.stdout, r.stderr)
	}
	w.set("PACKAGEMANAGER_ADDRESS", addr)
	if r := w.keyring("get", index, "__token__"); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "git-credential-ppm login") {
		t.Errorf("after del with logins disabled: %d %q %q", r.code, r.stdout, r.stderr)
	}
	w.assertNoSecretsLeaked(tok)
}

// TestKeyringLoginWithoutTerminalFailsFast: pip ≥ 26.2 and uv capture our
// stderr; with no terminal and no browser the login must fail in seconds,
// not wait for a device code to expire.
func TestKeyringLoginWithoutTerminalFailsFast(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("GIT_TERMINAL_PROMPT", "")
	w.keyringLink()
	start := time.Now()
	r := w.keyring("--mode=creds", "--output=json", "get", w.ppm.IndexURL())
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "no terminal") {
		t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if c := w.ppm.Counts(); c.Device != 0 {
		t.Errorf("a device flow started that nobody could approve")
	}
	t.Logf("failed in %s", time.Since(start))
}

func (w *world) python() string {
	return testtool.Need(w.t, "python3")
}

func pipEnv(w *world) []string {
	return []string{"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "PIP_NO_INPUT=1", "PYTHONDONTWRITEBYTECODE=1"}
}

// pipDownloadThroughKeyring runs pip download of the fake's wheel with
// --keyring-provider subprocess into home/dl; index is the index URL it
// used, with __token__@ (pip needs a user name in the URL to ask keyring
// for that user; the token is the secret).
func (w *world) pipDownloadThroughKeyring() (dl, index string, r result) {
	w.t.Helper()
	dl = filepath.Join(w.home, "dl")
	index = strings.Replace(w.ppm.IndexURL(), "://", "://__token__@", 1)
	cmd := exec.Command(w.python(), "-m", "pip", "download", "--no-deps", "-d", dl, "--keyring-provider", "subprocess", "--index-url", index, w.ppm.WheelName())
	cmd.Env = pipEnv(w)
	return dl, index, w.runCmd(cmd, "")
}

// TestRealPipThroughKeyring: pip 23.2.1 downloads and installs the fake's
// wheel from its authenticated index with --keyring-provider subprocess,
// our `keyring` first on PATH, and no credential anywhere in pip's config.
func TestRealPipThroughKeyring(t *testing.T) {
	t.Parallel()
	slow(t)
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.keyringLink()
	py := w.python()
	dl, index, r := w.pipDownloadThroughKeyring()
	if r.code != 0 {
		t.Fatalf("pip download through keyring failed: %s\n%s", r.stdout, r.stderr)
	}
	if !fileExists(filepath.Join(dl, w.ppm.WheelFile())) {
		t.Fatalf("no wheel downloaded: %s", r.stdout)
	}

	// Configured only through pip.conf and PIP_INDEX_URL, as a user would,
	// installing into a venv.
	venv := filepath.Join(w.home, "venv")
	if r := w.runCmd(exec.Command(py, "-m", "venv", venv), ""); r.code != 0 {
		t.Fatalf("python3 -m venv: %s", r.stderr)
	}
	conf := filepath.Join(w.home, "pip.conf")
	if err := os.WriteFile(conf, []byte("[global]\nkeyring-provider = subprocess\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), "-m", "pip", "install", w.ppm.WheelName())
	cmd.Env = append(pipEnv(w), "PIP_CONFIG_FILE="+conf, "PIP_INDEX_URL="+index)
	if r := w.runCmd(cmd, ""); r.code != 0 {
		t.Fatalf("pip install configured by pip.conf failed: %s\n%s", r.stdout, r.stderr)
	}
	check := w.runCmd(exec.Command(filepath.Join(venv, "bin", "python"), "-c", "import ppm_demo; print(ppm_demo.__version__)"), "")
	if strings.TrimSpace(check.stdout) != "1.0.0" {
		t.Fatalf("installed package does not import: %q %q", check.stdout, check.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges = %d; want 1 (the second pip run is served from the store)", c.Exchange)
	}
}

// TestRealTwineThroughExec: exec hands twine the token in its environment.
func TestRealTwineThroughExec(t *testing.T) {
	t.Parallel()
	slow(t)
	twine := testtool.Need(t, "twine")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	dist := filepath.Join(w.home, "dist")
	os.MkdirAll(dist, 0o700)
	whl := filepath.Join(dist, w.ppm.WheelFile())
	if err := os.WriteFile(whl, w.ppm.WheelBytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run("", "exec", "--", twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", w.ppm.UploadURL(), whl)
	if r.code != 0 {
		t.Fatalf("exec twine upload: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if up := w.ppm.Uploads(); len(up) != 1 || up[0] != w.ppm.WheelFile() {
		t.Fatalf("uploads = %v", up)
	}
	tok := attr(w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get").stdout, "password")
	if strings.Contains(r.stdout+r.stderr, tok) {
		t.Errorf("the token appeared in exec's output")
	}
	w.assertNoSecretsLeaked(tok)
}

func TestExecEnvironmentAndExitStatus(t *testing.T) {
	t.Parallel()
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("TWINE_PASSWORD", "stale-inherited-value")
	r := w.run("", "exec", "--", sh, "-c", `printf '%s|%s|%s|%s|%s' "$TWINE_USERNAME" "$TWINE_PASSWORD" "$UV_PUBLISH_USERNAME" "$UV_PUBLISH_PASSWORD" "$PACKAGEMANAGER_TOKEN"`)
	parts := strings.Split(r.stdout, "|")
	if r.code != 0 || len(parts) != 5 || parts[0] != "__token__" || parts[2] != "__token__" || !w.ppm.ValidToken(parts[1]) || parts[1] != parts[3] || parts[1] != parts[4] {
		t.Fatalf("exec environment: %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, code := range []string{"0", "1", "3"} {
		if r := w.run("", "exec", "--", sh, "-c", "exit "+code); r.code != atoi(code) {
			t.Errorf("exit %s came back as %d", code, r.code)
		}
	}
	// argv of the child holds no token: the child prints its own argv.
	r = w.run("", "exec", "--", sh, "-c", `echo "$0 $*"`, "arg1")
	if strings.Contains(r.stdout, parts[1]) {
		t.Errorf("the token is in the child's argv")
	}
	if r := w.run("", "exec"); r.code != 2 {
		t.Errorf("exec without a command: %d", r.code)
	}
	if r := w.run("", "exec", "--", filepath.Join(w.home, "no-such-command")); r.code != 127 {
		t.Errorf("exec of a missing command: %d %s", r.code, r.stderr)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestExecForwardsSignals: SIGINT and SIGTERM sent to exec reach the child,
// whose own handling decides the exit status.
func TestExecForwardsSignals(t *testing.T) {
	t.Parallel()
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		marker := filepath.Join(w.home, "ready")
		os.Remove(marker)
		script := `trap 'echo got-` + sig.String() + `; exit 42' INT TERM; touch ` + marker + `; while :; do sleep 0.05; done`
		c := exec.Command(helperBin, "exec", "--", sh, "-c", script)
		c.Env = w.env
		withoutTerminal(c)
		var out strings.Builder
		c.Stdout = &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !fileExists(marker) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := c.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			c.Process.Kill()
			t.Fatalf("%s: exec did not end after the signal", sig)
		}
		if c.ProcessState.ExitCode() != 42 || !strings.Contains(out.String(), "got-") {
			t.Errorf("%s: exit %d, output %q; want the child's trap to run and its 42", sig, c.ProcessState.ExitCode(), out.String())
		}
	}
}

// TestExecSignalKilledChild: a child killed by a signal comes back as
// 128+signal, the shell's convention.
func TestExecSignalKilledChild(t *testing.T) {
	t.Parallel()
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	for _, c := range []struct {
		sig  string
		want int
	}{{"TERM", 128 + 15}, {"KILL", 128 + 9}} {
		if r := w.run("", "exec", "--", sh, "-c", "kill -"+c.sig+" $$"); r.code != c.want {
			t.Errorf("child killed by SIG%s: exit %d; want %d (%s)", c.sig, r.code, c.want, r.stderr)
		}
	}
}

// TestExecChoosesTheAddress: with several addresses configured, exec needs
// --address, and only a configured one.
func TestExecChoosesTheAddress(t *testing.T) {
	t.Parallel()
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", w.ppm.URL()+",https://ppm.other.example")
	show := []string{"--", sh, "-c", `test -n "$PACKAGEMANAGER_TOKEN"`}
	if r := w.run("", "exec", "--", sh, "-c", "true"); r.code != 2 || !strings.Contains(r.stderr, "--address") {
		t.Errorf("exec with two addresses and no --address: %d %q", r.code, r.stderr)
	}
	if r := w.run("", append([]string{"exec", "--address", w.ppm.URL() + "/"}, show...)...); r.code != 0 {
		t.Errorf("exec --address <configured>: %d %q", r.code, r.stderr)
	}
	if r := w.run("", append([]string{"exec", "--address", "https://ppm.unknown.example"}, show...)...); r.code != 2 || !strings.Contains(r.stderr, "not one of the configured addresses (PACKAGEMANAGER_ADDRESS: ") {
		t.Errorf("exec --address <not configured>: %d %q", r.code, r.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges = %d; want 1", c.Exchange)
	}
}

// TestExecRenewsAShortToken: a token good for a git request (5 minutes
// left) is renewed before exec, so a long upload does not outlive it.
func TestExecRenewsAShortToken(t *testing.T) {
	t.Parallel()
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{TokenLifetime: 5 * time.Minute}).withIdentity()
	w.keyringLink()
	first := w.keyring("get", w.ppm.IndexURL(), "__token__")
	again := w.keyring("get", w.ppm.IndexURL(), "__token__")
	if first.code != 0 || again.stdout != first.stdout || w.ppm.Counts().Exchange != 1 {
		t.Fatalf("keyring get twice: %d %q; exchanges %d", first.code, first.stderr, w.ppm.Counts().Exchange)
	}
	r := w.run("", "exec", "--", sh, "-c", `printf %s "$PACKAGEMANAGER_TOKEN"`)
	if r.code != 0 || !w.ppm.ValidToken(r.stdout) {
		t.Fatalf("exec: %d %q", r.code, r.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 2 {
		t.Errorf("exchanges after exec = %d; want 2 (a 5-minute token is renewed first)", c.Exchange)
	}
	if after := w.keyring("get", w.ppm.IndexURL(), "__token__"); after.stdout != r.stdout+"\n" {
		t.Errorf("the renewed token was not stored")
	}
}
