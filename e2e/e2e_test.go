package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// The end-to-end tests build the real binary once and drive it the way git,
// pip and people do: as a separate process, through stdin/stdout and env.

var helperBin string

// slow marks a test that runs a real client for seconds (pip or twine in a
// fresh virtual environment, R): `go test -short ./e2e/` leaves it out for
// a quick inner loop; .ci/run and `task test` run everything.
func slow(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow (a real pip, twine or R run); runs without -short")
	}
}

func TestMain(m *testing.M) {
	// The tests read the checkout (README.md, docs/, scripts/) and build the
	// module's root package: they run from the repository's top.
	if err := os.Chdir(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "gcp-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	name := "git-credential-ppm"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	helperBin = filepath.Join(dir, name)
	build := exec.Command("go", "build", "-o", helperBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the helper failed: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is one isolated user: a HOME, a file store, a fake PPM and the
// environment the helper runs with.
type world struct {
	t     testing.TB
	ppm   *fakeppm.Server
	home  string
	env   []string
	trace string
	// limit bounds each command runCmd runs (0: 60 s).
	limit time.Duration
	// stderrs holds everything the helper and the clients printed on
	// stderr, for the leak check.
	mu      sync.Mutex
	stderrs []string
}

func newWorld(t testing.TB, opts fakeppm.Options) *world {
	t.Helper()
	ppm := fakeppm.New(opts)
	t.Cleanup(ppm.Close)
	home := t.TempDir()
	w := &world{t: t, ppm: ppm, home: home, trace: filepath.Join(home, "trace.log")}
	w.env = []string{
		"HOME=" + home,
		"USERPROFILE=" + home,
		"PATH=" + os.Getenv("PATH"),
		"PACKAGEMANAGER_ADDRESS=" + ppm.URL(),
		"PPM_CREDENTIAL_STORE=file",
		"PACKAGEMANAGER_SSO_TOKEN_FILE=" + filepath.Join(home, ".ppm", "tokens.toml"),
		"PPM_CREDENTIAL_TRACE=" + w.trace,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(home, ".gitconfig"),
		"GIT_TERMINAL_PROMPT=0",
		"LANG=C",
	}
	return w
}

// withIdentity configures CI mode: an identity token file the fake accepts.
func (w *world) withIdentity() *world {
	p := filepath.Join(w.home, "oidc-token")
	if err := os.WriteFile(p, []byte(w.ppm.IssueIdentityToken("ci-job")+"\n"), 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", p)
	return w
}

// withBrowser configures a person whose browser approves whatever login
// page it is opened on.
func (w *world) withBrowser() *world {
	testtool.Need(w.t, "curl")
	return w.withBrowserScript("browser.sh", `curl -fsS -o /dev/null "$1"`)
}

// withBrowserScript makes BROWSER a script that logs the URL it is opened
// on to browser.log and then runs action ($1 is the URL), and lets a login
// start (git's GIT_TERMINAL_PROMPT=0 would forbid it).
func (w *world) withBrowserScript(name, action string) *world {
	script := filepath.Join(w.home, name)
	body := "#!/bin/sh\necho \"$1\" >> " + filepath.Join(w.home, "browser.log") + "\n" + action + "\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		w.t.Fatal(err)
	}
	w.set("BROWSER", script)
	w.set("GIT_TERMINAL_PROMPT", "")
	return w
}

func (w *world) set(k, v string) {
	for i, kv := range w.env {
		if strings.HasPrefix(kv, k+"=") {
			w.env[i] = k + "=" + v
			return
		}
	}
	w.env = append(w.env, k+"="+v)
}

type result struct {
	stdout, stderr string
	code           int
}

func (w *world) run(stdin string, args ...string) result {
	w.t.Helper()
	return w.runCmd(exec.Command(helperBin, args...), stdin)
}

func (w *world) runCmd(cmd *exec.Cmd, stdin string) result {
	w.t.Helper()
	limit := w.limit
	if limit == 0 {
		limit = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Dir = cmd.Dir
	if c.Dir == "" {
		c.Dir = w.home
	}
	c.Env = append(append([]string{}, w.env...), cmd.Env...)
	c.Stdin = strings.NewReader(stdin)
	if cmd.SysProcAttr != nil {
		c.SysProcAttr = cmd.SysProcAttr
	} else {
		withoutTerminal(c)
	}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("running %v: %v", cmd.Args, err)
	}
	if ctx.Err() != nil {
		w.t.Fatalf("%v did not finish within %s (stderr: %s)", cmd.Args, limit, errb.String())
	}
	w.mu.Lock()
	w.stderrs = append(w.stderrs, errb.String())
	w.mu.Unlock()
	return result{out.String(), errb.String(), code}
}

// git runs the real git with this world's configuration.
func (w *world) git(args ...string) result {
	w.t.Helper()
	return w.runCmd(exec.Command(testtool.Need(w.t, "git"), args...), "")
}

func (w *world) configureGit() {
	w.t.Helper()
	r := w.git("config", "--global", "credential."+w.ppm.URL()+".helper", helperBin)
	if r.code != 0 {
		w.t.Fatalf("git config: %s", r.stderr)
	}
}

func gitRequest(protocol, host, path string) string {
	s := "protocol=" + protocol + "\nhost=" + host + "\n"
	if path != "" {
		s += "path=" + path + "\n"
	}
	return s
}

func hostOf(u string) string {
	return strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
}

func attr(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func TestGetFromIdentityTokenThenFromStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	first := w.run(req, "get")
	if first.code != 0 {
		t.Fatalf("get failed: %d %s", first.code, first.stderr)
	}
	tok := attr(first.stdout, "password")
	if attr(first.stdout, "username") != "__token__" || !w.ppm.ValidToken(tok) {
		t.Fatalf("get answered %q; want username=__token__ and a token the server accepts", first.stdout)
	}
	if attr(first.stdout, "password_expiry_utc") == "" {
		t.Errorf("no password_expiry_utc for a token with exp: %q", first.stdout)
	}
	before := w.ppm.Counts()
	for i := 0; i < 3; i++ {
		again := w.run(req, "get")
		if attr(again.stdout, "password") != tok {
			t.Fatalf("get #%d answered another token", i+2)
		}
	}
	if after := w.ppm.Counts(); after != before {
		t.Errorf("gets served from the store made requests: before %+v after %+v", before, after)
	}
	if before.Exchange != 1 || before.Device != 0 {
		t.Errorf("counts %+v; want exactly one exchange and no device flow", before)
	}
	w.assertNoSecretsLeaked(tok)
}

func TestGitCredentialFillAndLsRemote(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.configureGit()
	fill := w.runCmd(exec.Command(testtool.Need(t, "git"), "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	if fill.code != 0 {
		t.Fatalf("git credential fill: %s", fill.stderr)
	}
	tok := attr(fill.stdout, "password")
	if !w.ppm.ValidToken(tok) || attr(fill.stdout, "username") != "__token__" {
		t.Fatalf("git credential fill gave %q", fill.stdout)
	}
	ls := w.git("ls-remote", w.ppm.GitRepoURL())
	if ls.code != 0 || !strings.Contains(ls.stdout, "refs/heads/") {
		t.Fatalf("git ls-remote failed (%d): %s %s", ls.code, ls.stdout, ls.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges = %d after fill and ls-remote; want 1", c.Exchange)
	}

	// The server stops accepting the token: git's 401 → erase removes it,
	// and the next git command logs in again by itself.
	w.ppm.RevokeAll()
	failed := w.git("ls-remote", w.ppm.GitRepoURL())
	if failed.code == 0 {
		t.Fatalf("ls-remote with a revoked token succeeded")
	}
	if st := w.run("", "status", "--json"); strings.Contains(st.stdout, `"token_present": true`) {
		t.Fatalf("the rejected token is still stored after git's erase: %s", st.stdout)
	}
	again := w.git("ls-remote", w.ppm.GitRepoURL())
	if again.code != 0 {
		t.Fatalf("ls-remote after erase did not log in again: %s", again.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 2 {
		t.Errorf("exchanges = %d after the 401 round; want 2", c.Exchange)
	}
	w.assertNoSecretsLeaked(tok)
}

func TestDeviceFlowApprovedByBrowser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code != 0 {
		t.Fatalf("get with a device flow failed: %s", r.stderr)
	}
	tok := attr(r.stdout, "password")
	if !w.ppm.ValidToken(tok) {
		t.Fatalf("device flow gave no valid token: %q", r.stdout)
	}
	c := w.ppm.Counts()
	if c.Device != 1 || c.Approved != 1 || c.Exchange != 1 {
		t.Errorf("counts %+v; want one device flow, approved once, one exchange", c)
	}
	if !strings.Contains(r.stderr, "code") {
		t.Errorf("the person was not shown the code: %q", r.stderr)
	}
	// The browser opened the page: the person is told so, and where to go
	// if it did not show up.
	if !strings.Contains(r.stderr, "  opened in your browser — if it did not open, go to "+w.ppm.URL()) || strings.Contains(r.stderr, "  open ") {
		t.Errorf("the lines do not say the browser opened the page: %q", r.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(w.home, "browser.log"))
	if !strings.Contains(string(log), w.ppm.URL()) {
		t.Errorf("the browser was not opened on the verification URL: %q", log)
	}
	w.assertNoSecretsLeaked(tok)
}

func TestDeviceFlowDenied(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	testtool.Need(t, "curl")
	// A browser whose person clicks "deny" instead.
	w.withBrowserScript("deny.sh", "code=$(echo \"$1\" | sed 's/.*user_code=//')\ncurl -fsS -o /dev/null \""+w.ppm.URL()+"/__login__/device/deny?user_code=$code\"")
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || r.stdout != "" {
		t.Fatalf("a denied login answered git: code %d, stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "denied") {
		t.Errorf("stderr does not say the login was denied: %q", r.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 0 || c.Denied != 1 {
		t.Errorf("counts %+v; want one denial and no exchange", c)
	}
}

func TestExpiredTokenCausesExactlyOneNewExchange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{TokenLifetime: 2 * time.Second}).withIdentity()
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	first := attr(w.run(req, "get").stdout, "password")
	if first == "" {
		t.Fatal("no first token")
	}
	// "Close to expiry" for a 2 s token is its last tenth (0.2 s); wait it out.
	time.Sleep(2 * time.Second)
	second := attr(w.run(req, "get").stdout, "password")
	third := attr(w.run(req, "get").stdout, "password")
	if second == "" || second == first {
		t.Fatalf("an expired token was served again")
	}
	if third != second {
		t.Errorf("the renewed token was not served from the store")
	}
	if c := w.ppm.Counts(); c.Exchange != 2 {
		t.Errorf("exchanges = %d; want 2 (one initial, exactly one after expiry)", c.Exchange)
	}
}

func TestForeignAndLookAlikeHostsGetNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	h := hostOf(w.ppm.URL())
	host, port, _ := strings.Cut(h, ":")
	cases := []string{
		gitRequest("http", "ppm.example.com.evil.com", ""),
		gitRequest("http", host+".evil.com:"+port, ""),
		gitRequest("http", "evil.com", ""),
		gitRequest("http", "evil-"+h, ""),
		gitRequest("https", h, ""),   // scheme differs
		gitRequest("http", host, ""), // port missing
		gitRequest("http", host+":1"+port, ""),
		gitRequest("http", h+"@evil.com", ""),
		gitRequest("http", "evil.com@"+h, ""),
		"protocol=http\nhost=evil.com\npath=" + h + "\n",
		"protocol=http\n",
		"host=" + h + "\n", // no protocol
	}
	for _, in := range cases {
		r := w.run(in, "get")
		if r.code != 0 || r.stdout != "" {
			t.Errorf("input %q: code %d stdout %q; want nothing and exit 0", in, r.code, r.stdout)
		}
	}
	if c := w.ppm.Counts(); c != (fakeppm.Counts{}) {
		t.Errorf("foreign hosts caused requests: %+v", c)
	}
}

func TestConcurrentGetsCauseOneExchange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	toks := w.getConcurrently(20)
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("20 concurrent gets caused %d exchanges; want 1", c.Exchange)
	}
	assertOneToken(t, w, toks)
}

func TestConcurrentGetsCauseOneDeviceFlow(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	toks := w.getConcurrently(20)
	if c := w.ppm.Counts(); c.Device != 1 || c.Exchange != 1 {
		t.Errorf("20 concurrent gets caused %d device flows and %d exchanges; want 1 and 1", c.Device, c.Exchange)
	}
	assertOneToken(t, w, toks)
}

func (w *world) getConcurrently(n int) []result {
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	out := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = w.run(req, "get")
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func assertOneToken(t *testing.T, w *world, rs []result) {
	t.Helper()
	first := attr(rs[0].stdout, "password")
	waited := 0
	for i, r := range rs {
		if got := attr(r.stdout, "password"); r.code != 0 || got != first || !w.ppm.ValidToken(got) {
			t.Errorf("process %d: code %d, stderr %q; want the one shared valid token", i, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "waiting for the login in progress") {
			waited++
		}
	}
	t.Logf("%d of %d processes said they were waiting for another's login", waited, len(rs))
}

func TestStaticTokenIsServedAndNeverStored(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("PACKAGEMANAGER_TOKEN", "static-token-value-123")
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if attr(r.stdout, "password") != "static-token-value-123" {
		t.Fatalf("static token not served: %q %s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(w.home, ".ppm", "tokens.toml")); err == nil {
		b, _ := os.ReadFile(filepath.Join(w.home, ".ppm", "tokens.toml"))
		if strings.Contains(string(b), "static-token-value-123") {
			t.Errorf("the static token was written to tokens.toml")
		}
	}
	if c := w.ppm.Counts(); c != (fakeppm.Counts{}) {
		t.Errorf("a static token caused requests: %+v", c)
	}
}

// nestedParens reports whether s has a parenthesis inside another.
func nestedParens(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
			if depth > 1 {
				return true
			}
		case ')':
			depth--
		}
	}
	return false
}

func TestNonInteractiveWithoutTokenFailsAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	for _, env := range [][2]string{{"GIT_TERMINAL_PROMPT", "0"}, {"PPM_CREDENTIAL_INTERACTIVE", "never"}} {
		w.set("GIT_TERMINAL_PROMPT", "")
		w.set(env[0], env[1])
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
		if r.code == 0 || r.stdout != "" {
			t.Errorf("%s=%s: code %d stdout %q; want failure and no answer", env[0], env[1], r.code, r.stdout)
		}
		if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 || !strings.Contains(r.stderr, "git-credential-ppm login") || !strings.Contains(r.stderr, env[0]+"="+env[1]+" turns logins off") {
			t.Errorf("%s=%s: stderr %q; want one line naming the setting and `git-credential-ppm login`", env[0], env[1], r.stderr)
		}
		// A person who ran `login` is told what stops it, not to run it.
		r = w.run("", "login")
		if r.code != exitFailure || strings.Contains(r.stderr, "git-credential-ppm login") || !strings.Contains(r.stderr, env[0]+"="+env[1]) || nestedParens(r.stderr) {
			t.Errorf("%s=%s: login: exit %d, stderr %q; want 1 and a plain line naming the setting", env[0], env[1], r.code, r.stderr)
		}
	}
	w.set("PPM_CREDENTIAL_INTERACTIVE", "auto")
	// No terminal, no browser: nobody to show a login to.
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || !strings.Contains(r.stderr, "no terminal") || !strings.Contains(r.stderr, "git-credential-ppm login") || nestedParens(r.stderr) {
		t.Errorf("no terminal and no browser: code %d stderr %q", r.code, r.stderr)
	}
	r = w.run("", "login")
	if r.code != exitFailure || !strings.Contains(r.stderr, "no terminal") || strings.Contains(r.stderr, "git-credential-ppm login") || !strings.Contains(r.stderr, "BROWSER") || nestedParens(r.stderr) {
		t.Errorf("login with no terminal and no browser: code %d stderr %q", r.code, r.stderr)
	}
	if c := w.ppm.Counts(); c.Device != 0 {
		t.Errorf("a device flow started with nobody to approve it: %+v", c)
	}
}

func TestBadProtocolInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	cases := map[string]string{
		"no equals":  "protocol=http\nthis line has no equals sign\n",
		"NUL byte":   "protocol=http\nhost=a\x00b\n",
		"over 64KiB": "protocol=http\nhost=" + strings.Repeat("a", 70*1024) + "\n",
	}
	for name, in := range cases {
		r := w.run(in, "get")
		if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || r.stderr == "" {
			t.Errorf("%s: code %d stdout %q stderr %q; want one line on stderr and a non-zero exit", name, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stderr, "panic") {
			t.Errorf("%s: panicked: %s", name, r.stderr)
		}
	}
}

func TestUnknownActionsAndStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	for _, action := range []string{"store", "frobnicate", "capability"} {
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), "")+"password=x\n", action)
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Errorf("%s: code %d stdout %q stderr %q; want silence and 0", action, r.code, r.stdout, r.stderr)
		}
	}
}

func TestServerDownFailsWithOneLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", "http://127.0.0.1:9") // discard port: nothing listens
	r := w.run(gitRequest("http", "127.0.0.1:9", ""), "get")
	if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("server down: code %d stdout %q stderr %q; want one line and non-zero", r.code, r.stdout, r.stderr)
	}
}

func TestLoginStatusLogout(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	st := w.run("", "status")
	if st.code != 0 || !strings.Contains(st.stdout, "ci-job") || !strings.Contains(st.stdout, w.ppm.URL()) {
		t.Fatalf("status: %q %q", st.stdout, st.stderr)
	}
	js := w.run("", "status", "--json")
	if !strings.Contains(js.stdout, `"token_present": true`) || !strings.Contains(js.stdout, `"seconds_left"`) {
		t.Fatalf("status --json: %s", js.stdout)
	}
	tok := attr(w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get").stdout, "password")
	if tok == "" || strings.Contains(st.stdout+js.stdout, tok) {
		t.Fatalf("status printed the token or get failed")
	}
	if r := w.run("", "logout"); r.code != 0 {
		t.Fatalf("logout: %s", r.stderr)
	}
	if js := w.run("", "status", "--json"); !strings.Contains(js.stdout, `"token_present": false`) {
		t.Fatalf("after logout: %s", js.stdout)
	}
	w.assertNoSecretsLeaked(tok)
}

// assertNoSecretsLeaked greps the trace file and every stderr seen for
// the secrets in play: the given ones, every secret the fake PPM issued or
// received (tokens, identity tokens, device codes, code verifiers), the
// identity token file's and PACKAGEMANAGER_TOKEN. The oracle is that list,
// not the helper's own redaction patterns.
func (w *world) assertNoSecretsLeaked(secrets ...string) {
	w.t.Helper()
	b, err := os.ReadFile(w.trace)
	if err != nil {
		w.t.Fatalf("no trace file was written: %v", err)
	}
	if p := filepath.Join(w.home, "oidc-token"); fileExists(p) {
		id, _ := os.ReadFile(p)
		secrets = append(secrets, strings.TrimSpace(string(id)))
	}
	secrets = append(secrets, w.ppm.Secrets()...)
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "PACKAGEMANAGER_TOKEN="); ok {
			secrets = append(secrets, v)
		}
	}
	if len(secrets) == 0 {
		w.t.Errorf("no secret was in play: the leak check proves nothing")
	}
	w.mu.Lock()
	stderr := strings.Join(w.stderrs, "\n")
	w.mu.Unlock()
	for _, s := range secrets {
		if s != "" && bytes.Contains(b, []byte(s)) {
			w.t.Errorf("a secret reached the trace file")
		}
		if s != "" && strings.Contains(stderr, s) {
			w.t.Errorf("a secret reached stderr")
		}
	}
	if len(b) == 0 {
		w.t.Errorf("the trace file is empty: tracing did not work, so the check above proves nothing")
	}
}

// withIdleBrowser configures a browser that opens the page and nobody
// approves it.
func (w *world) withIdleBrowser() *world {
	return w.withBrowserScript("idle-browser.sh", "")
}

func TestCtrlCCancelsTheLoginCleanly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdleBrowser()
	c := exec.Command(helperBin, "get")
	c.Env = w.env
	withoutTerminal(c)
	c.Stdin = strings.NewReader(gitRequest("http", hostOf(w.ppm.URL()), ""))
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for w.ppm.Counts().DeviceAccess == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.Process.Kill()
		t.Fatal("the helper did not stop within 5 s of Ctrl-C")
	}
	if c.ProcessState.ExitCode() == 0 || out.Len() != 0 || !strings.Contains(errb.String(), "cancelled") {
		t.Errorf("after Ctrl-C: exit %d, stdout %q, stderr %q", c.ProcessState.ExitCode(), out.String(), errb.String())
	}
	// The lock is free again: a CI-style get right after succeeds at once.
	w.withIdentity()
	if r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get"); r.code != 0 {
		t.Errorf("a get after the cancelled login failed: %s", r.stderr)
	}
}

func TestDeviceCodeExpiresWithAClearMessage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{DeviceExpiresIn: 2 * time.Second}).withIdleBrowser()
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "expired") || !strings.Contains(r.stderr, "git-credential-ppm login") {
		t.Errorf("expired device code: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
