//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestSetupFromASystemDirectoryInANewLoginShell plays the .deb: the binary
// in a root-owned /usr/bin-like directory beside Debian's python3-keyring
// `keyring` script, and a person — root, then an unprivileged user — whose
// home is a fresh copy of /etc/skel and whose shells export nothing.
// `setup ADDRESS` must succeed without touching that directory (the link
// goes to ~/.local/bin), print the same PATH advice doctor prints, and
// change nothing the second time; then, in a new login shell (`bash -l`),
// `keyring get` and `git ls-remote` reach the fake Package Manager with the
// remembered address and the token a login stored.
func TestSetupFromASystemDirectoryInANewLoginShell(t *testing.T) {
	bash := testtool.Need(t, "bash")
	testtool.Need(t, "git")
	setpriv := testtool.NeedFrom(t, "setpriv", "util-linux")
	debKeyring := "/usr/bin/keyring"
	script, err := os.ReadFile(debKeyring)
	if err != nil || !bytes.HasPrefix(script, []byte("#!/usr/bin/python3")) {
		needOrSkip(t, "Debian's python3-keyring (/usr/bin/keyring)")
	}
	skelProfile, err := os.ReadFile("/etc/skel/.profile")
	if err != nil || !bytes.Contains(skelProfile, []byte(".local/bin")) {
		needOrSkip(t, "Debian's /etc/skel/.profile (it puts ~/.local/bin on PATH)")
	}
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (to make a root-owned /usr/bin and to run as another user with setpriv)")
	}
	ppm := fakeppm.New(fakeppm.Options{})
	t.Cleanup(ppm.Close)
	if err := ppm.GitError(); err != nil {
		t.Fatalf("the fake's git repository: %v", err)
	}

	// The fake system: /usr/bin owned by root, readable by everyone.
	sys, err := os.MkdirTemp("", "ppm-system-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sys) })
	usrBin := filepath.Join(sys, "usr", "bin")
	if err := os.MkdirAll(usrBin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sys, 0o755); err != nil { // MkdirTemp's 0700 would lock nobody out
		t.Fatal(err)
	}
	self := filepath.Join(usrBin, "git-credential-ppm")
	if deb := os.Getenv("PPM_DEB"); deb != "" {
		// The release stage (task test:release) passes the .deb it built:
		// its files go where dpkg puts them.
		dpkg := testtool.NeedFrom(t, "dpkg-deb", "dpkg")
		if out, err := exec.Command(dpkg, "-x", deb, sys).CombinedOutput(); err != nil {
			t.Fatalf("dpkg-deb -x %s: %v %s", deb, err, out)
		}
		if _, err := os.Stat(self); err != nil {
			t.Fatalf("%s holds no usr/bin/git-credential-ppm: %v", deb, err)
		}
		t.Logf("the program is %s's", deb)
	} else {
		t.Logf("the program is this test's build; PPM_DEB=path/to.deb (task test:release) tests the package's")
		bin, err := os.ReadFile(helperBin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(self, bin, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(usrBin, "keyring"), script, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, u := range []struct {
		name     string
		uid, gid int
	}{{"root", 0, 0}, {"nobody", 65534, 65534}} {
		t.Run(u.name, func(t *testing.T) {
			home := filepath.Join(sys, "home", u.name)
			if err := os.MkdirAll(filepath.Dir(home), 0o755); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("cp", "-a", "/etc/skel", home).CombinedOutput(); err != nil {
				t.Fatalf("cp -a /etc/skel: %v %s", err, out)
			}
			// The package put the binary in a directory every login shell
			// has on PATH (/etc/profile's); here that line stands first in
			// ~/.profile, so ~/.local/bin still comes before it, as before
			// /usr/bin.
			profile := filepath.Join(home, ".profile")
			os.WriteFile(profile, append([]byte("PATH=\""+usrBin+":$PATH\"\n"), skelProfile...), 0o644)
			idFile := filepath.Join(home, "ci-oidc-token")
			os.WriteFile(idFile, []byte(ppm.IssueIdentityToken("ci-job")+"\n"), 0o600)
			if out, err := exec.Command("chown", "-R", strconv.Itoa(u.uid)+":"+strconv.Itoa(u.gid), home).CombinedOutput(); err != nil {
				t.Fatalf("chown: %v %s", err, out)
			}
			login := func(cmdline string) result {
				t.Helper()
				return loginShell(t, bash, setpriv, home, u.name, u.uid, u.gid, cmdline)
			}

			// setup, then doctor in the same shell (its PATH lacks
			// ~/.local/bin, which did not exist when it started).
			r := login("git-credential-ppm setup " + ppm.URL() + "; status=$?; echo '=== doctor'; git-credential-ppm doctor; exit $status")
			setupOut, doctorOut, _ := strings.Cut(r.stdout, "=== doctor\n")
			r.stdout = setupOut
			link := filepath.Join(home, ".local", "bin", "keyring")
			if r.code != 0 || !strings.Contains(r.stdout, "keyring: link "+link+" → "+self) || !strings.Contains(r.stdout, "address: remember "+ppm.URL()) {
				t.Fatalf("setup as %s: exit %d\nstdout:\n%s\nstderr:\n%s", u.name, r.code, r.stdout, r.stderr)
			}
			advice := lineAfter(r.stdout, "so pip and uv do not find the link; ")
			if !strings.Contains(advice, "your ~/.profile puts it on PATH in every new login shell") {
				t.Errorf("setup's PATH advice: %q\n%s", advice, r.stdout)
			}
			if !strings.Contains(doctorOut, "✗ pip/uv: the keyring link "+link+" is in "+filepath.Dir(link)+", which is not on PATH, so pip and uv do not find it; "+advice) {
				t.Errorf("doctor in the same login shell does not give setup's PATH advice %q:\n%s", advice, doctorOut)
			}
			if got, _ := os.ReadFile(filepath.Join(usrBin, "keyring")); !bytes.Equal(got, script) {
				t.Errorf("setup changed the foreign %s/keyring", usrBin)
			}
			if again := login("git-credential-ppm setup " + ppm.URL()); again.code != 0 || !strings.Contains(again.stdout, "Nothing to change") {
				t.Errorf("second setup as %s: %d %q %q", u.name, again.code, again.stdout, again.stderr)
			}
			if r := login("PACKAGEMANAGER_IDENTITY_TOKEN_FILE=" + idFile + " git-credential-ppm login"); r.code != 0 {
				t.Fatalf("login as %s: %d %q", u.name, r.code, r.stderr)
			}

			// A new login shell: nothing exported, ~/.local/bin first.
			r = login(`command -v keyring; keyring get '` + ppm.IndexURL() + `' __token__`)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if r.code != 0 || len(lines) != 2 || lines[0] != link || !ppm.ValidToken(lines[1]) {
				t.Errorf("keyring get in a new login shell as %s: %d %q %q", u.name, r.code, r.stdout, r.stderr)
			}
			if g := login("git ls-remote " + ppm.GitRepoURL()); g.code != 0 || !strings.Contains(g.stdout, "refs/heads/main") {
				t.Errorf("git ls-remote in a new login shell as %s: %d %q %q", u.name, g.code, g.stdout, g.stderr)
			}
			if d := login("git-credential-ppm doctor"); !strings.Contains(d.stdout, "✓ pip/uv: `keyring` on PATH is this helper ("+link+")") || !strings.Contains(d.stdout, "✓ configuration: "+ppm.URL()+" (remembered in "+filepath.Join(home, ".config", "git-credential-ppm", "config.json")+")") {
				t.Errorf("doctor in a new login shell as %s:\n%s", u.name, d.stdout)
			}
			if c := ppm.Counts(); c.Unauthorized == 0 || c.Repo == 0 {
				t.Errorf("git did not go through a 401 and an authenticated request: %+v", c)
			}
		})
	}
}

// TestSetupInAHomeThatIsNotYoursChangesNothing: an unprivileged user whose
// HOME they cannot write to (a home of root's, sudo without -H) gets one
// line per step setup cannot do, each saying what to do, and setup writes
// nothing at all — not git's, pip's or uv's configuration, its record, the
// remembered address or the link.
func TestSetupInAHomeThatIsNotYoursChangesNothing(t *testing.T) {
	bash := testtool.Need(t, "bash")
	testtool.Need(t, "git")
	setpriv := testtool.NeedFrom(t, "setpriv", "util-linux")
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (to run as another user with setpriv)")
	}
	root, err := os.MkdirTemp("", "ppm-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	os.Chmod(root, 0o755)
	bin, _ := os.ReadFile(helperBin)
	self := filepath.Join(root, "git-credential-ppm")
	if err := os.WriteFile(self, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(root, "home")
	if out, err := exec.Command("cp", "-a", "/etc/skel", home).CombinedOutput(); err != nil {
		t.Fatalf("cp -a /etc/skel: %v %s", err, out)
	}
	before := treeOf(t, home)
	r := loginShell(t, bash, setpriv, home, "nobody", 65534, 65534, self+" setup https://ppm.example.invalid")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 1 || r.stdout != "" || len(lines) < 2 || lines[len(lines)-1] != "git-credential-ppm: setup: nothing was changed" {
		t.Fatalf("setup in a home that is not the user's: exit %d\nstdout: %q\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"git: cannot write " + filepath.Join(home, ".gitconfig"), "pip: cannot write ", "uv: cannot write ", "keyring: cannot put the keyring link in " + filepath.Join(home, ".local", "bin"), "address: cannot write " + filepath.Join(home, ".config", "git-credential-ppm", "config.json"), "record: cannot write " + filepath.Join(home, ".ppm", "setup.json")} {
		if !strings.Contains(r.stderr, "git-credential-ppm: setup: "+want) {
			t.Errorf("no line with %q in:\n%s", want, r.stderr)
		}
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "git-credential-ppm: setup: ") {
			t.Errorf("a line that is not setup's: %q", l)
		}
	}
	if after := treeOf(t, home); after != before {
		t.Errorf("setup changed the home:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// loginShell runs cmdline in a new login shell (bash -l) of the user uid
// (through setpriv unless root) with HOME home and nothing else exported.
func loginShell(t *testing.T, bash, setpriv, home, user string, uid, gid int, cmdline string) result {
	t.Helper()
	args := []string{"env", "-i", "HOME=" + home, "USER=" + user, "LOGNAME=" + user, "SHELL=/bin/bash", "LANG=C", bash, "-l", "-c", cmdline}
	if uid != 0 {
		args = append([]string{setpriv, "--reuid=" + strconv.Itoa(uid), "--regid=" + strconv.Itoa(gid), "--clear-groups"}, args...)
	}
	return runLoginShell(t, home, args)
}

// treeOf lists every path below dir with its mode and size, one a line.
func treeOf(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %d\n", p, fi.Mode(), fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// needOrSkip ends a test that needs something this machine lacks: Fatal
// under CI=true (.ci/run provides it), a loud Skip elsewhere.
func needOrSkip(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test needs %s; CI must provide it", what)
	}
	t.Skipf("SKIPPING: this test needs %s (CI has it)", what)
}

// lineAfter returns the rest of the line of out that holds marker, after it.
func lineAfter(out, marker string) string {
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, marker); ok {
			return rest
		}
	}
	return ""
}

// runLoginShell runs argv (a login shell, maybe as another user) in home,
// with only the environment argv sets.
func runLoginShell(t *testing.T, home string, argv []string) result {
	t.Helper()
	w := &world{t: t, home: home, limit: 90 * time.Second}
	return w.runCmd(exec.Command(argv[0], argv[1:]...), "")
}
