package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// rTestEnv is a test user with Rscript on PATH and Self replaced by a
// stand-in for this program's netrc command: it writes one machine line to
// the file it is given and prints the table, or, with fail set, fails as a
// binary without a token does.
func rTestEnv(t *testing.T, fail bool) *testEnv {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in binary is a shell script")
	}
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "Rscript"), "/usr/bin", "/bin")
	script := "#!/bin/sh\n[ \"$1\" = netrc ] || exit 2\n" +
		"printf 'machine ppm.example.com login __token__ password standin\\n' > \"$2\"\n" +
		"echo '# address machine expires renew_after'\n" +
		"echo 'https://ppm.example.com ppm.example.com never never'\n"
	if fail {
		script = "#!/bin/sh\necho 'git-credential-ppm: no token for https://ppm.example.com; run git-credential-ppm login' >&2\n: > \"$2\"\nexit 1\n"
	}
	if err := os.WriteFile(te.Self, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return te
}

// rscript runs Rscript in te's environment with the user's profile and
// returns its output (stdout and stderr) and exit error.
func (te *testEnv) rscript(expr string) (string, error) {
	te.t.Helper()
	cmd := exec.Command(filepath.Join(toolDir(te.t, "Rscript"), "Rscript"), "-e", expr)
	cmd.Env, cmd.Dir = te.Environ, te.Home
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRApplyUndoKeepsTheProfileByteForByte(t *testing.T) {
	t.Parallel()
	own := "options(repos = c(CRAN = \"https://cloud.r-project.org\"))\r\n# mine, without a newline at the end"
	for _, after := range []string{"", "x <- 1 # a line of mine after the block\n"} {
		te := rTestEnv(t, false)
		profile := filepath.Join(te.Home, ".Rprofile")
		os.WriteFile(profile, []byte(own), 0o644)
		s := te.session(false)
		if changed, err := (R{}).Apply(s); err != nil || !changed {
			t.Fatalf("Apply: %v %v (%q)", changed, err, s.Out)
		}
		want := own + "\n" + RBlock(te.Self)
		if got := mustRead(t, profile); got != want {
			t.Fatalf("profile after Apply:\n%q\nwant:\n%q", got, want)
		}
		if fi, _ := os.Stat(profile); fi.Mode().Perm() != 0o644 {
			t.Errorf("the profile's mode changed to %04o", fi.Mode().Perm())
		}
		if changed, err := (R{}).Apply(s); err != nil || changed || !strings.Contains(strings.Join(s.Out, "\n"), "(unchanged)") {
			t.Fatalf("second Apply: %v %v %q", changed, err, s.Out)
		}
		if after != "" {
			os.WriteFile(profile, []byte(want+after), 0o644)
		}
		if err := (R{}).Undo(s); err != nil {
			t.Fatal(err)
		}
		wantBack := own
		if after != "" {
			wantBack = own + "\n" + after // the newline now ends a line that is not the last
		}
		if got := mustRead(t, profile); got != wantBack {
			t.Errorf("profile after Undo:\n%q\nwant:\n%q", got, wantBack)
		}
		if len(s.State.Blocks) != 0 {
			t.Errorf("Undo left the record: %+v", s.State.Blocks)
		}
	}
}

// TestRProfileThroughALinkAndRProfileUser: a dotfile manager's link stays
// a link with the block in its target; R_PROFILE_USER names the profile
// R reads, and that is where the block goes; a profile setup created is
// removed again.
func TestRProfileThroughALinkAndRProfileUser(t *testing.T) {
	t.Parallel()
	te := rTestEnv(t, false)
	dotfiles := filepath.Join(te.Home, "dotfiles", "Rprofile")
	os.MkdirAll(filepath.Dir(dotfiles), 0o700)
	os.WriteFile(dotfiles, []byte("# mine\n"), 0o600)
	profile := filepath.Join(te.Home, ".Rprofile")
	if err := os.Symlink(dotfiles, profile); err != nil {
		t.Fatal(err)
	}
	s := te.session(false)
	if _, err := (R{}).Apply(s); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(profile); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if got := mustRead(t, dotfiles); got != "# mine\n"+RBlock(te.Self) {
		t.Errorf("link target: %q", got)
	}
	if err := (R{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, dotfiles); got != "# mine\n" {
		t.Errorf("link target after Undo: %q", got)
	}

	custom := filepath.Join(te.Home, "r", "profile.R")
	te.set("R_PROFILE_USER", custom)
	s = te.session(false)
	if _, err := (R{}).Apply(s); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, custom); got != RBlock(te.Self) {
		t.Errorf("R_PROFILE_USER: %q", got)
	}
	if got := mustRead(t, dotfiles); got != "# mine\n" {
		t.Errorf("~/.Rprofile changed though R_PROFILE_USER names another: %q", got)
	}
	if err := (R{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if exists(custom) {
		t.Errorf("the profile setup created survived Undo")
	}
}

func TestRDryRunAndABrokenBlock(t *testing.T) {
	t.Parallel()
	te := rTestEnv(t, false)
	profile := filepath.Join(te.Home, ".Rprofile")
	if changed, err := (R{}).Apply(te.session(true)); err != nil || !changed || exists(profile) {
		t.Fatalf("dry run: %v %v, profile written: %v", changed, err, exists(profile))
	}
	broken := "# mine\n" + rBlockBegin + "\nlocal({})\n"
	os.WriteFile(profile, []byte(broken), 0o600)
	if _, err := (R{}).Apply(te.session(false)); err == nil || !strings.Contains(err.Error(), rBlockEnd) {
		t.Fatalf("a block without its end: %v", err)
	}
	if got := mustRead(t, profile); got != broken {
		t.Errorf("a refused Apply changed the profile: %q", got)
	}
	if r := (R{}).Check(te.Env); len(r.at(Problem)) != 1 {
		t.Errorf("Check of a broken block: %+v", r)
	}
}

// TestRCheck: unwired before setup, OK after (a new R session has the
// netrc file, the curl method and the task callback), a problem when the
// binary has no token.
func TestRCheck(t *testing.T) {
	t.Parallel()
	te := rTestEnv(t, false)
	if r := (R{}).Check(te.Env); r.Wired || len(r.at(Unwired)) != 1 {
		t.Fatalf("Check before Apply: %+v", r)
	}
	if _, err := (R{}).Apply(te.session(false)); err != nil {
		t.Fatal(err)
	}
	r := (R{}).Check(te.Env)
	if ok := r.at(OK); !r.Wired || len(ok) != 1 || !strings.Contains(ok[0], "1 machine line") || len(r.at(Problem)) != 0 {
		t.Fatalf("Check after Apply: %+v", r)
	}
	failing := rTestEnv(t, true)
	if _, err := (R{}).Apply(failing.session(false)); err != nil {
		t.Fatal(err)
	}
	if r := (R{}).Check(failing.Env); len(r.at(Problem)) != 1 || !strings.Contains(r.at(Problem)[0], "0 of 1") {
		t.Errorf("Check with a binary without a token: %+v", r)
	}
}

func TestRNotInstalled(t *testing.T) {
	t.Parallel()
	te := newTestEnv(t, "https://ppm.example.com", t.TempDir())
	s := te.session(false)
	if changed, err := (R{}).Apply(s); err != nil || changed || !strings.Contains(s.Out[0], "not installed") {
		t.Errorf("Apply without R: %v %v %q", changed, err, s.Out)
	}
	if r := (R{}).Check(te.Env); r.Wired || len(r.at(Note)) != 1 {
		t.Errorf("Check without R: %+v", r)
	}
}

// TestRBlockFailsSoft: R starts, with one message, when the binary is
// missing (a path R must read back exactly, quotes and backslashes
// included) or fails.
func TestRBlockFailsSoft(t *testing.T) {
	t.Parallel()
	te := rTestEnv(t, true)
	profile := filepath.Join(te.Home, ".Rprofile")
	os.WriteFile(profile, []byte(RBlock(te.Self)), 0o600)
	out, err := te.rscript(`cat("started\n")`)
	if err != nil || !strings.HasSuffix(out, "started\n") || strings.Count(out, "git-credential-ppm:") != 2 || !strings.Contains(out, "no token for https://ppm.example.com") {
		t.Errorf("a failing binary: %v\n%s", err, out)
	}
	missing := filepath.Join(te.Home, `a "b" \c`, "git-credential-ppm")
	os.WriteFile(profile, []byte("x <- 1\n"+RBlock(missing)), 0o600)
	out, err = te.rscript(`cat("started", x, "\n")`)
	if err != nil || !strings.HasSuffix(out, "started 1 \n") || strings.Count(out, "\n") != 2 || !strings.Contains(out, missing+" is missing") {
		t.Errorf("a missing binary: %v\n%s", err, out)
	}
}

func TestRVersionRules(t *testing.T) {
	for v, want := range map[string]bool{"4.2.2": false, "4.4.3": false, "4.5.0": true, "4.5.1": true, "4.5.2": false, "4.6.0": false, "5.0.0": false, "junk": false} {
		if got := rIgnoresMethod(v); got != want {
			t.Errorf("rIgnoresMethod(%q) = %v", v, got)
		}
	}
	if !rVersionBefore("4.2.2", 4, 6, 0) || rVersionBefore("4.6.0", 4, 6, 0) || rVersionBefore("10.0.0", 4, 6, 0) {
		t.Error("rVersionBefore")
	}
}

// TestRBlockUpdatedInPlace: a block for another path (the binary moved) is
// replaced where it stands, between the person's lines, and recorded once.
func TestRBlockUpdatedInPlace(t *testing.T) {
	t.Parallel()
	te := rTestEnv(t, false)
	profile := filepath.Join(te.Home, ".Rprofile")
	old := RBlock("/old/place/git-credential-ppm")
	os.WriteFile(profile, []byte("before <- 1\n"+old+"after <- 2\n"), 0o600)
	s := te.session(false)
	if changed, err := (R{}).Apply(s); err != nil || !changed || !strings.Contains(strings.Join(s.Out, "\n"), "update the git-credential-ppm block") {
		t.Fatalf("Apply over an old block: %v %v %q", changed, err, s.Out)
	}
	if got := mustRead(t, profile); got != "before <- 1\n"+RBlock(te.Self)+"after <- 2\n" {
		t.Errorf("profile: %q", got)
	}
	if _, err := (R{}).Apply(s); err != nil || len(s.State.Blocks) != 1 {
		t.Errorf("records after two runs: %+v (%v)", s.State.Blocks, err)
	}
	if err := (R{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, profile); got != "before <- 1\nafter <- 2\n" {
		t.Errorf("profile after Undo: %q", got)
	}
}

// TestRBlockWarnsOfPlainHTTP: netrc names hosts, so an http:// repository
// on the host of an https address would get the token in clear: the block
// says so.
func TestRBlockWarnsOfPlainHTTP(t *testing.T) {
	t.Parallel()
	te := rTestEnv(t, false) // its stand-in serves https://ppm.example.com
	profile := filepath.Join(te.Home, ".Rprofile")
	for repos, warn := range map[string]bool{
		`c(P = "http://ppm.example.com/cran/latest")`:      true,
		`c(P = "http://PPM.example.com:8080/cran/latest")`: true,
		`c(P = "https://ppm.example.com/cran/latest")`:     false,
		`c(P = "http://ppm.example.com.evil/cran/latest")`: false,
	} {
		os.WriteFile(profile, []byte("options(repos = "+repos+")\n"+RBlock(te.Self)), 0o600)
		out, err := te.rscript(`cat("started\n")`)
		if err != nil || !strings.HasSuffix(out, "started\n") || strings.Contains(out, "in clear") != warn {
			t.Errorf("repos %s: %v\n%s", repos, err, out)
		}
	}
}
