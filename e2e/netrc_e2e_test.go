package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// secondServer starts another fake Package Manager on 127.0.0.2: another
// host for netrc, which names hosts without ports.
func secondServer(t *testing.T) *fakeppm.Server {
	t.Helper()
	s, err := fakeppm.Start(fakeppm.Options{Addr: "127.0.0.2:0"})
	if err != nil {
		t.Skipf("SKIPPING: cannot listen on 127.0.0.2 here (%v)", err)
	}
	t.Cleanup(s.Close)
	return s
}

// storeTokens writes tokens.toml with a token per address and makes those
// the configured addresses, with no way to log in.
func (w *world) storeTokens(tokens map[string]string, order ...string) {
	w.t.Helper()
	var body strings.Builder
	for _, a := range order {
		body.WriteString("[[connections]]\naddress = \"" + a + "\"\ntoken = \"" + tokens[a] + "\"\nauth_type = \"sso\"\n")
	}
	if err := os.MkdirAll(filepath.Join(w.home, ".ppm"), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.home, ".ppm", "tokens.toml"), []byte(body.String()), 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_ADDRESS", strings.Join(order, ","))
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", "")
	w.set("PPM_CREDENTIAL_INTERACTIVE", "never")
}

// TestNetrcTwoAddresses: two addresses on two hosts give two machine
// lines, each with its own server's token, in a 0600 file that real curl
// authenticates with; stdout lists them without a token.
func TestNetrcTwoAddresses(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	other := secondServer(t)
	tok1, tok2 := w.ppm.IssuePPMToken("alice"), other.IssuePPMToken("alice")
	w.storeTokens(map[string]string{w.ppm.URL(): tok1, other.URL(): tok2}, w.ppm.URL(), other.URL())
	file := filepath.Join(t.TempDir(), "netrc")

	r := w.run("", "netrc", file)
	if r.code != 0 {
		t.Fatalf("netrc: %d %q %q", r.code, r.stdout, r.stderr)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "machine 127.0.0.1 login __token__ password " + tok1 + "\nmachine 127.0.0.2 login __token__ password " + tok2 + "\n"
	if string(got) != want {
		t.Errorf("netrc file:\n%s\nwant:\n%s", got, want)
	}
	if fi, _ := os.Stat(file); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("netrc file mode %04o; want 0600", fi.Mode().Perm())
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || lines[1] != "# address machine expires renew_after" ||
		!strings.HasPrefix(lines[2], w.ppm.URL()+" 127.0.0.1 ") || !strings.HasPrefix(lines[3], other.URL()+" 127.0.0.2 ") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	fields := strings.Fields(lines[2])
	exp, err1 := time.Parse(time.RFC3339, fields[2])
	renew, err2 := time.Parse(time.RFC3339, fields[3])
	if err1 != nil || err2 != nil || !renew.Before(exp) || time.Until(exp) < 50*time.Minute {
		t.Errorf("expiry %q and renewal %q: want the hour-long token's expiry and a time before it", fields[2], fields[3])
	}
	if strings.Contains(r.stdout, tok1) || strings.Contains(r.stdout, tok2) {
		t.Errorf("a token reached stdout")
	}
	w.assertNoSecretsLeaked(tok1, tok2)

	curl := testtool.Need(t, "curl")
	for _, s := range []*fakeppm.Server{w.ppm, other} {
		c := w.runCmd(exec.Command(curl, "-sS", "--fail", "--netrc-file", file, s.CRANAuthURL()+"/src/contrib/PACKAGES"), "")
		if c.code != 0 || !strings.Contains(c.stdout, "Package: ppmdemo") {
			t.Errorf("curl --netrc-file against %s: %d %q %q", s.URL(), c.code, c.stdout, c.stderr)
		}
		if n := s.Counts().Unauthorized; n != 0 {
			t.Errorf("%s answered 401 %d times: curl did not send the netrc credentials up front", s.URL(), n)
		}
	}
}

// TestNetrcWritesWhatItHas: an address with no token and no way to log in
// gets no line and one line on stderr, and exit status 1; the other is
// still written (R keeps working for it). A second address on the same
// host is named, not written twice.
func TestNetrcWritesWhatItHas(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	tok := w.ppm.IssuePPMToken("alice")
	sameHost := w.ppm.URL() + "/other"
	none := "http://127.0.0.3:9"
	w.storeTokens(map[string]string{w.ppm.URL(): tok, sameHost: tok}, w.ppm.URL(), sameHost, none)
	file := filepath.Join(t.TempDir(), "netrc")
	r := w.run("", "netrc", file)
	if r.code != 1 {
		t.Fatalf("netrc with an address without a token: %d %q %q; want exit 1", r.code, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(file); string(got) != "machine 127.0.0.1 login __token__ password "+tok+"\n" {
		t.Errorf("netrc file: %q", got)
	}
	if !strings.Contains(r.stderr, sameHost+" shares the host 127.0.0.1") || !strings.Contains(r.stderr, none) {
		t.Errorf("stderr: %q", r.stderr)
	}
	if strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("stdout: %q; want one address row", r.stdout)
	}
	w.assertNoSecretsLeaked(tok)
}

// TestNetrcRenewsAsGetDoes: no stored token, an identity file: netrc
// exchanges it once, and a second run within the token's life reuses it.
func TestNetrcRenewsAsGetDoes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	file := filepath.Join(t.TempDir(), "netrc")
	for i := range 2 {
		if r := w.run("", "netrc", file); r.code != 0 {
			t.Fatalf("netrc run %d: %d %q", i, r.code, r.stderr)
		}
	}
	got, _ := os.ReadFile(file)
	tok := strings.TrimPrefix(strings.TrimSpace(string(got)), "machine 127.0.0.1 login __token__ password ")
	if !w.ppm.ValidToken(tok) {
		t.Fatalf("netrc file: %q", got)
	}
	if n := w.ppm.Counts().Exchange; n != 1 {
		t.Errorf("%d exchanges for two runs; want 1", n)
	}
}

// TestNetrcRefusals: a symbolic link (its target untouched), a device, a
// directory others can write to, a missing FILE, and stdout when it is a
// terminal; "-" into a pipe writes the file to stdout.
func TestNetrcRefusals(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix files")
	}
	w := newWorld(t, fakeppm.Options{})
	tok := w.ppm.IssuePPMToken("alice")
	w.storeTokens(map[string]string{w.ppm.URL(): tok}, w.ppm.URL())
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("mine\n"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	for name, c := range map[string]struct {
		args []string
		code int
		says string
	}{
		"symlink":     {[]string{"netrc", link}, 1, "symbolic link"},
		"device":      {[]string{"netrc", os.DevNull}, 1, "character device"},
		"open dir":    {[]string{"netrc", filepath.Join(open, "netrc")}, 1, "mktemp -d"},
		"no FILE":     {[]string{"netrc"}, 2, "give the FILE"},
		"two FILEs":   {[]string{"netrc", "a", "b"}, 2, "unexpected argument"},
		"bad option":  {[]string{"netrc", "--nope", "a"}, 2, "unknown option"},
		"missing dir": {[]string{"netrc", filepath.Join(dir, "no", "netrc")}, 1, "create the directory"},
	} {
		r := w.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.says) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 20 {
			t.Errorf("%s: exit %d stderr %q; want %d and %q", name, r.code, r.stderr, c.code, c.says)
		}
		if r.stdout != "" && c.code != 2 {
			t.Errorf("%s: stdout %q", name, r.stdout)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "mine\n" {
		t.Errorf("the link's target changed: %q", b)
	}
	if entries, _ := os.ReadDir(open); len(entries) != 0 {
		t.Errorf("files were written into the open directory: %v", entries)
	}
	if r := w.run("", "netrc", "-"); r.code != 0 || r.stdout != "machine 127.0.0.1 login __token__ password "+tok+"\n" {
		t.Errorf("netrc - into a pipe: %d %q %q", r.code, r.stdout, r.stderr)
	}
	w.assertNoSecretsLeaked(tok)

	script := testtool.Need(t, "script")
	r := w.runCmd(exec.Command(script, "-q", "-e", "-c", helperBin+" netrc -", "/dev/null"), "")
	if r.code != exitUsage || !strings.Contains(r.stdout, "stdout is a terminal") || strings.Contains(r.stdout, tok) {
		t.Errorf("netrc - on a terminal: exit %d, terminal %q; want 2 and a refusal", r.code, r.stdout)
	}
}

// TestExecGivesTheChildANetrc: the child of exec finds NETRC and
// R_DEFAULT_NETRC naming one 0600 file in a 0700 directory, with the
// token's line first and then the person's own netrc (an inherited NETRC is
// read, then replaced); curl authenticates with it; nothing of it is left
// when the child has ended.
func TestExecGivesTheChildANetrc(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes")
	}
	sh := testtool.Need(t, "sh")
	curl := testtool.Need(t, "curl")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	own := filepath.Join(w.home, "my-netrc")
	os.WriteFile(own, []byte("machine github.com login me password mine"), 0o600)
	w.set("NETRC", own)
	r := w.run("", "exec", "--", sh, "-c", `printf '%s|%s|' "$NETRC" "$R_DEFAULT_NETRC"; stat -c '%a|' "$NETRC" "$(dirname "$NETRC")" | tr -d '\n'; cat "$NETRC"; `+
		curl+` -sS --fail --netrc-file "$NETRC" `+w.ppm.CRANAuthURL()+`/src/contrib/PACKAGES`)
	parts := strings.SplitN(r.stdout, "|", 5)
	if r.code != 0 || len(parts) != 5 {
		t.Fatalf("exec: %d %q %q", r.code, r.stdout, r.stderr)
	}
	file, rfile, fileMode, dirMode, rest := parts[0], parts[1], parts[2], parts[3], parts[4]
	if file == own || file != rfile || fileMode != "600" || dirMode != "700" {
		t.Errorf("NETRC %q, R_DEFAULT_NETRC %q, modes %s and %s; want one new 0600 file in a 0700 directory", file, rfile, fileMode, dirMode)
	}
	tokLine, rest, _ := strings.Cut(rest, "\n")
	tok, ok := strings.CutPrefix(tokLine, "machine 127.0.0.1 login __token__ password ")
	if !ok || !w.ppm.ValidToken(tok) {
		t.Errorf("first line of the netrc: %q", tokLine)
	}
	if !strings.HasPrefix(rest, "machine github.com login me password mine\nPackage: ppmdemo") {
		t.Errorf("after the token's line: %q; want the person's own netrc, then curl's download", rest)
	}
	if _, err := os.Stat(filepath.Dir(file)); err == nil {
		t.Errorf("%s is still there after exec", filepath.Dir(file))
	}
	if c := w.ppm.Counts(); c.Unauthorized != 0 {
		t.Errorf("curl was refused %d times", c.Unauthorized)
	}
}

// TestExecRemovesTheNetrcOnSignals: a signal to exec reaches the child,
// and once it has ended the netrc file and its directory are gone.
func TestExecRemovesTheNetrcOnSignals(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix signals")
	}
	sh := testtool.Need(t, "sh")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		marker := filepath.Join(w.home, "netrc-path")
		os.Remove(marker)
		c := exec.Command(helperBin, "exec", "--", sh, "-c", `trap 'exit 7' INT TERM HUP; printf %s "$NETRC" > `+marker+`.tmp; mv `+marker+`.tmp `+marker+`; while :; do sleep 0.05; done`)
		c.Env = w.env
		withoutTerminal(c)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !fileExists(marker) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		b, _ := os.ReadFile(marker)
		if !fileExists(string(b)) {
			t.Fatalf("%s: the child's netrc %q does not exist", sig, b)
		}
		c.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			c.Process.Kill()
			t.Fatalf("%s: exec did not end", sig)
		}
		if c.ProcessState.ExitCode() != 7 {
			t.Errorf("%s: exit %d; want the child's 7", sig, c.ProcessState.ExitCode())
		}
		if _, err := os.Stat(filepath.Dir(string(b))); err == nil {
			t.Errorf("%s: %s survived", sig, filepath.Dir(string(b)))
		}
	}
}
