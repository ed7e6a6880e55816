package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// TestExitStatusTable runs every command of the command table against the
// README's exit-status table: 0 success, 1 failure, 2 usage error.
func TestExitStatusTable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	cases := []struct {
		args []string
		want int
		out  string // in stdout, when not ""
		err  string // in stderr, when not ""
	}{
		{nil, exitUsage, "", "usage:"},
		{[]string{"help"}, exitOK, "exit status: 0 success, 1 failure", ""},
		{[]string{"--help"}, exitOK, "usage:", ""},
		{[]string{"-h"}, exitOK, "usage:", ""},
		{[]string{"help", "nosuch"}, exitUsage, "", `unknown topic "nosuch"`},
		{[]string{"help", "login", "logout"}, exitUsage, "", "help takes one COMMAND"},
		{[]string{"version"}, exitOK, "git-credential-ppm ", ""},
		{[]string{"--version"}, exitOK, "git-credential-ppm ", ""},
		{[]string{"version", "--help"}, exitOK, "usage: git-credential-ppm version", ""},
		{[]string{"version", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"get", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"store", "--bogus"}, exitUsage, "", `store: unknown option "--bogus"`},
		{[]string{"status", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"status", "--bogus"}, exitUsage, "", `status: unknown option "--bogus"; run`},
		{[]string{"login", w.ppm.URL(), "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"logout", "--bogus"}, exitUsage, "", `logout: unknown option "--bogus"`},
		{[]string{"exec"}, exitUsage, "", "no command given"},
		{[]string{"exec", "--bogus"}, exitUsage, "", `exec: unknown option "--bogus"`},
		{[]string{"doctor", "extra"}, exitUsage, "", "the URL must be an http(s) URL with a host"},
		{[]string{"doctor", "https://ppm.example.invalid/x", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"setup", "extra"}, exitUsage, "", `address "extra" must start with https://`},
		{[]string{"setup", "--remove", w.ppm.URL()}, exitUsage, "", "--remove takes no ADDRESS"},
		{[]string{"keyring", "--bogus"}, exitUsage, "", ""},
		{[]string{"keyring", "get", "https://other.example.com", "__token__"}, exitFailure, "", ""},
		{[]string{"status"}, exitOK, w.ppm.URL(), ""},
		{[]string{"logout"}, exitOK, "", "No token stored"},
		{[]string{"login", "http://127.0.0.1:1"}, exitUsage, "", "is not one of the configured addresses (PACKAGEMANAGER_ADDRESS: "},
		{[]string{"login", "not a url"}, exitUsage, "", "must start with https://"},
		{[]string{"frobnicate"}, exitOK, "", ""}, // git's rule: stdin is not a terminal
	}
	for _, c := range cases {
		r := w.run("", c.args...)
		if r.code != c.want || !strings.Contains(r.stdout, c.out) || !strings.Contains(r.stderr, c.err) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", c.args, r.code, r.stdout, r.stderr, c.want, c.out, c.err)
		}
		if strings.Contains(r.stderr, "panic") {
			t.Errorf("%q panicked: %s", c.args, r.stderr)
		}
	}
	if c := w.ppm.Counts(); c.Exchange != 0 || c.Device != 0 {
		t.Errorf("help, usage errors and refusals reached the server: %+v", c)
	}
}

// TestTyposFailUnknownWordsStaySilent (docs/contract.md §5): with stdin not a
// terminal, as in a CI step, a mistyped command or an option that does not
// exist exits 2 with one line naming the nearest command or option as
// typed; any other unknown word is one git may send one day, and gets
// silence and 0.
func TestTyposFailUnknownWordsStaySilent(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	typos := []struct {
		args []string
		line string
	}{
		{[]string{"stauts"}, `unknown command "stauts"; did you mean status?`},
		{[]string{"logn"}, `unknown command "logn"; did you mean login?`},
		{[]string{"stup"}, `unknown command "stup"; did you mean setup?`},
		{[]string{"Status"}, `unknown command "Status"; did you mean status?`},
		{[]string{"docter"}, `unknown command "docter"; did you mean doctor?`},
		{[]string{"logut"}, `unknown command "logut"; did you mean logout?`},
		{[]string{"erace"}, `unknown command "erace"; did you mean erase?`},
		{[]string{"versoin"}, `unknown command "versoin"; did you mean version?`},
		{[]string{"keyrnig", "get", "x", "y"}, `unknown command "keyrnig"; did you mean keyring?`},
		{[]string{"--hlep"}, `unknown option "--hlep"; did you mean --help?`},
		{[]string{"-v"}, `unknown option "-v"; did you mean --version?`},
		{[]string{"--verison"}, `unknown option "--verison"; did you mean --version?`},
		{[]string{"--frobnicate"}, `unknown option "--frobnicate"; run ` + "`git-credential-ppm help`"},
		{[]string{"status", "--jsn"}, `status: unknown option "--jsn"; did you mean --json?`},
		{[]string{"status", "-jsn"}, `status: unknown option "-jsn"; did you mean --json?`},
		{[]string{"status", "--jsn=true"}, `status: unknown option "--jsn=true"; did you mean --json?`},
		{[]string{"setup", "--dryrun"}, `setup: unknown option "--dryrun"; did you mean --dry-run?`},
		{[]string{"setup", "--remvoe"}, `setup: unknown option "--remvoe"; did you mean --remove?`},
		{[]string{"exec", "--adress", "x", "--", "true"}, `exec: unknown option "--adress"; did you mean --address?`},
		{[]string{"login", "--hepl"}, `login: unknown option "--hepl"; did you mean --help?`},
	}
	for _, c := range typos {
		r := w.run("", c.args...)
		want := "git-credential-ppm: " + c.line + "\n"
		if r.code != exitUsage || r.stderr != want || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and exactly %q", c.args, r.code, r.stdout, r.stderr, want)
		}
	}
	// Words no command is near: git's rule for an action the helper does
	// not know, whatever git sends one day.
	for _, word := range []string{"foo", "capability", "capabilities", "frobnicate", "fill", "approve", "reject", "list", "query", "refresh", "describe", "update", "-", "a-b"} {
		r := w.run("protocol=https\nhost=example.com\n", word)
		if r.code != exitOK || r.stdout != "" || r.stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want silence and 0", word, r.code, r.stdout, r.stderr)
		}
	}
	if c := w.ppm.Counts(); c.Exchange != 0 || c.Device != 0 {
		t.Errorf("typos reached the server: %+v", c)
	}
}

// TestWithoutAddressEveryCommandFails: with PACKAGEMANAGER_ADDRESS unset,
// a command that needs an address exits 1 with one line naming it.
func TestWithoutAddressEveryCommandFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PACKAGEMANAGER_ADDRESS", "")
	for _, args := range [][]string{
		{"status"}, {"login"}, {"logout"}, {"exec", "--", "true"}, {"setup"}, {"setup", "--dry-run"},
		{"keyring", "get", w.ppm.IndexURL(), "__token__"},
		{"login", w.ppm.URL()}, {"exec", "--address", w.ppm.URL(), "--", "true"},
	} {
		cmd := exec.Command(helperBin, args...)
		if args[0] == "keyring" {
			// No other keyring on PATH to hand the call to (what it does
			// then: TestKeyringHandsForeignCallsToTheNextKeyring).
			cmd.Env = []string{"PATH=" + t.TempDir()}
		}
		r := w.runCmd(cmd, "")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != exitFailure || len(lines) != 1 || !strings.Contains(r.stderr, "no Package Manager address is configured") {
			t.Errorf("%q without an address: exit %d, stderr %q; want 1 and one line saying no address is configured", args, r.code, r.stderr)
		}
	}
	if r := w.run("", "status", "--json"); r.code != exitFailure || !strings.Contains(r.stdout, `"configured": false`) {
		t.Errorf("status --json without an address: exit %d, stdout %q; want 1 and configured false", r.code, r.stdout)
	}
	if r := w.run("", "doctor"); r.code != exitFailure || !strings.Contains(r.stdout, "no Package Manager address is configured") {
		t.Errorf("doctor without an address: exit %d, stdout %q", r.code, r.stdout)
	}
	if c := w.ppm.Counts(); c != (fakeppm.Counts{}) {
		t.Errorf("commands without a configured address reached the server: %+v", c)
	}
}

// TestUnconfiguredAddressGetsNothing: `login ADDRESS` and `exec --address`
// for an address that is not configured refuse in one line and send no
// request there — neither the identity token nor anything else. With
// another address configured that is a usage error (2); with none, a
// failure (1).
func TestUnconfiguredAddressGetsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	other := fakeppm.New(fakeppm.Options{})
	t.Cleanup(other.Close)
	marker := filepath.Join(w.home, "ran")
	for address, want := range map[string]int{w.ppm.URL(): exitUsage, "": exitFailure} {
		w.set("PACKAGEMANAGER_ADDRESS", address)
		for _, args := range [][]string{
			{"login", other.URL()},
			{"logout", other.URL()},
			{"exec", "--address", other.URL(), "--", "touch", marker},
		} {
			r := w.run("", args...)
			if r.code != want || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, other.URL()) {
				t.Errorf("PACKAGEMANAGER_ADDRESS=%q %q: exit %d, stderr %q; want %d and one line naming the address", address, args, r.code, r.stderr, want)
			}
		}
	}
	if fileExists(marker) {
		t.Errorf("exec ran the command for an unconfigured address")
	}
	if c := other.Counts(); c != (fakeppm.Counts{}) {
		t.Errorf("the unconfigured server received requests: %+v", c)
	}
	if c := w.ppm.Counts(); c != (fakeppm.Counts{}) {
		t.Errorf("the configured server received requests: %+v", c)
	}
}

// TestUnknownSettingValuesAreErrors: a value of a PPM_* variable that is
// not documented fails in one line naming the allowed values, and never
// starts a login under a default it was not asked for.
func TestUnknownSettingValuesAreErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	link := w.keyringLink()
	cases := []struct{ name, value, allowed string }{
		{"PPM_CREDENTIAL_INTERACTIVE", "off", "auto, never"},
		{"PPM_CREDENTIAL_INTERACTIVE", "nevr", "auto, never"},
		{"PPM_CREDENTIAL_STORE", "foo", "auto, keychain, wincred, secretservice, file"},
		{"PPM_CREDENTIAL_QR", "yes", "auto, 0"},
		{"PPM_CREDENTIAL_TRACE", "yes", "1 (trace to stderr), 0 (off) or an absolute file path"},
		{"PPM_CREDENTIAL_TRACE", "relative/trace.log", "an absolute file path"},
	}
	req := gitRequest("http", hostOf(w.ppm.URL()), "")
	for _, c := range cases {
		w.set(c.name, c.value)
		for _, run := range []struct {
			args  []string
			stdin string
		}{{[]string{"get"}, req}, {[]string{"status"}, ""}, {[]string{"login"}, ""}, {[]string{"exec", "--", "true"}, ""}} {
			r := w.run(run.stdin, run.args...)
			if r.code != exitFailure || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
				!strings.Contains(r.stderr, c.name) || !strings.Contains(r.stderr, c.allowed) {
				t.Errorf("%s=%s %q: exit %d, stdout %q, stderr %q; want 1 and one line naming %q", c.name, c.value, run.args, r.code, r.stdout, r.stderr, c.allowed)
			}
		}
		r := w.runCmd(exec.Command(link, "get", w.ppm.IndexURL(), "__token__"), "")
		if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, c.allowed) {
			t.Errorf("%s=%s keyring get: exit %d, stdout %q, stderr %q", c.name, c.value, r.code, r.stdout, r.stderr)
		}
		w.set(c.name, "")
	}
	// Documented values, in any case, are accepted.
	w.set("PPM_CREDENTIAL_INTERACTIVE", "Never")
	w.set("PPM_CREDENTIAL_QR", "0")
	if r := w.run("", "status"); r.code != exitOK {
		t.Errorf("documented values refused: %s", r.stderr)
	}
	if c := w.ppm.Counts(); c.Device != 0 || c.Exchange != 0 {
		t.Errorf("a login started under an unknown setting: %+v", c)
	}
	if b, _ := os.ReadFile(filepath.Join(w.home, "browser.log")); len(b) != 0 {
		t.Errorf("the browser was opened under an unknown setting: %q", b)
	}
}
