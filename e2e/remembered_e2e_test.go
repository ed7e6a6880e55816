package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
)

// configFile is where this world's helper remembers addresses
// (XDG_CONFIG_HOME unset: $HOME/.config).
func (w *world) configFile() string {
	return filepath.Join(w.home, ".config", userconfig.DirName, userconfig.FileName)
}

// TestSetupRemembersTheAddress: `setup ADDRESS` with nothing exported
// writes the configuration file (0600 in a 0700 directory, JSON), and
// then git, the keyring personality, exec, status and doctor all use it;
// PACKAGEMANAGER_ADDRESS overrides it entirely; `setup --remove` forgets
// it, after which git's get says so in one line.
func TestSetupRemembersTheAddress(t *testing.T) {
	t.Parallel()
	git := testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	url := w.ppm.URL()

	r := w.run("", "setup", url)
	if r.code != 0 || !strings.Contains(r.stdout, "address: remember "+url+" in "+w.configFile()) {
		t.Fatalf("setup %s: %d %q %q", url, r.code, r.stdout, r.stderr)
	}
	fi, err := os.Stat(w.configFile())
	if err != nil {
		t.Fatal(err)
	}
	di, _ := os.Stat(filepath.Dir(w.configFile()))
	if runtime.GOOS != "windows" && (fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700) {
		t.Errorf("config file mode %v, directory %v; want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	var cfg struct{ Addresses []string }
	data, _ := os.ReadFile(w.configFile())
	if err := json.Unmarshal(data, &cfg); err != nil || len(cfg.Addresses) != 1 || cfg.Addresses[0] != url {
		t.Fatalf("config.json: %s (%v)", data, err)
	}
	if again := w.run("", "setup", url+"/"); again.code != 0 || strings.Contains(again.stdout, "remember") || !strings.Contains(again.stdout, "Nothing to change") {
		t.Errorf("second setup (same address, trailing slash): %q %q", again.stdout, again.stderr)
	}

	// git, through the helper setup configured, with nothing exported.
	fill := w.runCmd(exec.Command(git, "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	tok := attr(fill.stdout, "password")
	if !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill with the remembered address: %q %q", fill.stdout, fill.stderr)
	}
	w.keyringLink()
	if k := w.keyring("get", w.ppm.IndexURL(), "__token__"); k.code != 0 || strings.TrimSpace(k.stdout) != tok {
		t.Errorf("keyring get with the remembered address: %d %q", k.code, k.stderr)
	}
	if e := w.run("", "exec", "--", "sh", "-c", `test "$PACKAGEMANAGER_TOKEN" = "$1"`, "sh", tok); e.code != 0 {
		t.Errorf("exec with the remembered address: %d %q", e.code, e.stderr)
	}
	st := w.run("", "status")
	if st.code != 0 || !strings.Contains(st.stdout, "addresses: remembered in "+w.configFile()) || !strings.Contains(st.stdout, url) {
		t.Errorf("status: %q %q", st.stdout, st.stderr)
	}
	var rep statusJSON
	js := w.run("", "status", "--json")
	if err := json.Unmarshal([]byte(js.stdout), &rep); err != nil || rep.AddressSource != "file" || rep.ConfigFile != w.configFile() {
		t.Errorf("status --json: %+v %v", rep, err)
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "✓ configuration: "+url+" (remembered in "+w.configFile()+")") {
		t.Errorf("doctor: %q", d.stdout)
	}

	// PACKAGEMANAGER_ADDRESS overrides the file entirely: the remembered
	// server gets nothing, and status says where the address came from.
	other := fakeppm.New(fakeppm.Options{})
	t.Cleanup(other.Close)
	w.set("PACKAGEMANAGER_ADDRESS", other.URL())
	if g := w.run(gitRequest("http", hostOf(url), ""), "get"); g.code != 0 || g.stdout != "" {
		t.Errorf("get for the remembered host with PACKAGEMANAGER_ADDRESS set elsewhere: %d %q %q", g.code, g.stdout, g.stderr)
	}
	st = w.run("", "status")
	if !strings.Contains(st.stdout, "addresses: from PACKAGEMANAGER_ADDRESS, which overrides the addresses remembered in "+w.configFile()) || strings.Contains(st.stdout, url+"\n") {
		t.Errorf("status with PACKAGEMANAGER_ADDRESS: %q", st.stdout)
	}
	if js := w.run("", "status", "--json"); !strings.Contains(js.stdout, `"address_source": "environment"`) {
		t.Errorf("status --json with PACKAGEMANAGER_ADDRESS: %q", js.stdout)
	}
	w.set("PACKAGEMANAGER_ADDRESS", "")

	rm := w.run("", "setup", "--remove")
	if rm.code != 0 || !strings.Contains(rm.stdout, "address: forget "+url) {
		t.Fatalf("setup --remove: %d %q %q", rm.code, rm.stdout, rm.stderr)
	}
	if fileExists(w.configFile()) {
		t.Errorf("setup --remove left %s", w.configFile())
	}
	if again := w.run("", "setup", "--remove"); !strings.Contains(again.stdout, "Nothing to remove") {
		t.Errorf("second setup --remove: %q", again.stdout)
	}
	// Nothing configured: git's get says so, in one line, and answers nothing.
	g := w.run(gitRequest("http", hostOf(url), ""), "get")
	if g.code != 0 || g.stdout != "" || strings.Count(g.stderr, "\n") != 1 || !strings.Contains(g.stderr, "git asked for http://"+hostOf(url)+", but no Package Manager address is configured; run `git-credential-ppm setup") {
		t.Errorf("get with nothing configured: %d %q %q", g.code, g.stdout, g.stderr)
	}
	if e := w.run(gitRequest("http", hostOf(url), "")+"password=x\n", "erase"); e.stderr != "" {
		t.Errorf("erase with nothing configured said %q; git calls erase after another helper's password was rejected", e.stderr)
	}
	w.assertNoSecretsLeaked(tok)
}

// TestLoginRemembersAnAddressOnceItWorked: `login ADDRESS` for a new
// address logs in (device flow) and then remembers it; a login that fails
// remembers nothing; with an identity token configured a new address is
// refused (it goes only to addresses set up beforehand); with
// PACKAGEMANAGER_ADDRESS set, ADDRESS must be one of it.
func TestLoginRemembersAnAddressOnceItWorked(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	dead := "http://127.0.0.1:1"
	if r := w.run("", "login", dead); r.code != 1 || fileExists(w.configFile()) {
		t.Errorf("a failed login to %s: %d %q; the file exists: %v", dead, r.code, r.stderr, fileExists(w.configFile()))
	}
	url := w.ppm.URL()
	r := w.run("", "login", url)
	if r.code != 0 || !strings.Contains(r.stderr, "Remembered "+url+" in "+w.configFile()) {
		t.Fatalf("login %s: %d %q", url, r.code, r.stderr)
	}
	if st := w.run("", "status"); st.code != 0 || !strings.Contains(st.stdout, "token: present (valid)") {
		t.Errorf("status after login ADDRESS: %q %q", st.stdout, st.stderr)
	}
	if again := w.run("", "login", url); again.code != 0 || strings.Contains(again.stderr, "Remembered") {
		t.Errorf("second login %s: %d %q", url, again.code, again.stderr)
	}

	// An identity token goes only to an address set up beforehand.
	other := fakeppm.New(fakeppm.Options{})
	t.Cleanup(other.Close)
	w.withIdentity()
	r = w.run("", "login", other.URL())
	if r.code != exitUsage || !strings.Contains(r.stderr, "the identity token") || !strings.Contains(r.stderr, "setup "+other.URL()) {
		t.Errorf("login to a new address with an identity token: %d %q", r.code, r.stderr)
	}
	if c := other.Counts(); c != (fakeppm.Counts{}) {
		t.Errorf("the refused login reached the other server: %+v", c)
	}
	if s := w.run("", "setup", other.URL()); s.code != 0 {
		t.Fatalf("setup %s: %q", other.URL(), s.stderr)
	}
	idFile := filepath.Join(w.home, "other-oidc-token")
	os.WriteFile(idFile, []byte(other.IssueIdentityToken("ci-job")+"\n"), 0o600)
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", idFile)
	if r := w.run("", "login", other.URL()); r.code != 0 || other.Counts().Exchange != 1 {
		t.Errorf("login after setup ADDRESS: %d %q", r.code, r.stderr)
	}
	var cfg struct{ Addresses []string }
	data, _ := os.ReadFile(w.configFile())
	if json.Unmarshal(data, &cfg); len(cfg.Addresses) != 2 {
		t.Errorf("both addresses remembered: %s", data)
	}
}

// TestBadConfigFileIsOneLine: a configuration file that is not what setup
// writes stops git's get and the commands with one line naming the file,
// and never hangs on a named pipe.
func TestBadConfigFileIsOneLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("PACKAGEMANAGER_ADDRESS", "")
	os.MkdirAll(filepath.Dir(w.configFile()), 0o700)
	for name, body := range map[string]string{
		"not JSON":    "addresses = https://ppm.example.com\n",
		"bad address": `{"addresses": ["ftp://ppm.example.com"]}`,
	} {
		os.WriteFile(w.configFile(), []byte(body), 0o600)
		for _, args := range [][]string{{"get"}, {"status"}, {"keyring", "get", w.ppm.IndexURL(), "__token__"}} {
			r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), args...)
			first, rest, _ := strings.Cut(r.stderr, "\n")
			if args[0] == "keyring" {
				// The call then goes on to the next keyring on PATH
				// (Debian's, here), whose words follow ours.
				rest = ""
			}
			if r.code == 0 || r.stdout != "" || rest != "" || !strings.Contains(first, w.configFile()) {
				t.Errorf("%s, %q: %d %q %q; want a failure and one line naming the file", name, args, r.code, r.stdout, r.stderr)
			}
		}
	}
	// setup --remove forgets an address it cannot use, and says what is
	// wrong with a file it cannot read.
	os.WriteFile(w.configFile(), []byte(`{"addresses": ["ftp://ppm.example.com"]}`), 0o600)
	if r := w.run("", "setup", "--remove"); r.code != 0 || !strings.Contains(r.stdout, "forget ftp://ppm.example.com") || fileExists(w.configFile()) {
		t.Errorf("setup --remove with a bad address: %d %q %q", r.code, r.stdout, r.stderr)
	}
	os.WriteFile(w.configFile(), []byte("addresses = https://ppm.example.com\n"), 0o600)
	if r := w.run("", "setup", "--remove"); r.code != 1 || !strings.Contains(r.stderr, w.configFile()) {
		t.Errorf("setup --remove with a damaged file: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// envLookup is getenv over env, the last assignment of a name winning as
// it does for exec.
func envLookup(env []string) func(string) string {
	return func(k string) string {
		val := ""
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				val = v
			}
		}
		return val
	}
}

// BenchmarkFileGetRememberedAddress is BenchmarkFileGetVsEmptyProgram with
// the address remembered in the configuration file instead of exported:
// the hot path then reads and checks config.json too. Its get-x against
// BenchmarkFileGetVsEmptyProgram's is that file's cost.
func BenchmarkFileGetRememberedAddress(b *testing.B) {
	empty := buildEmptyProgram(b)
	w := newWorld(b, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	if r := w.run("", "setup", w.ppm.URL()); r.code != 0 {
		b.Fatalf("setup: %s", r.stderr)
	}
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	if r := w.run(req, "get"); r.code != 0 || attr(r.stdout, "password") == "" {
		b.Fatalf("priming get failed: %s", r.stderr)
	}
	w.set("PPM_CREDENTIAL_TRACE", "")
	compareWithEmptyProgram(b, w, req, empty)
}
