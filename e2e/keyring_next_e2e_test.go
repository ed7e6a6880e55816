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

// standInKeyring writes a `keyring` into dir that stands for the person's
// own Python keyring: it prints its name, its arguments one per line, the
// recursion marker and what came on stdin, says something on stderr, and
// exits with code.
func standInKeyring(t *testing.T, dir, name, code string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "keyring")
	body := "#!/bin/sh\n" +
		"echo \"" + name + "\"\n" +
		"for a in \"$@\"; do echo \"arg:$a\"; done\n" +
		"echo \"marker:$PPM_KEYRING_BACKEND_CHILD\"\n" +
		"while IFS= read -r l; do echo \"stdin:$l\"; done\n" +
		"echo \"" + name + " on stderr\" >&2\n" +
		"exit " + code + "\n"
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// linkTo makes dir/keyring a link of the given kind to the helper.
func linkTo(t *testing.T, dir, kind string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "keyring")
	var err error
	switch kind {
	case "symlink":
		err = os.Symlink(helperBin, p)
	case "hardlink":
		err = os.Link(helperBin, p)
	case "chain": // a link to a link to the helper
		mid := filepath.Join(dir, "gcp")
		if err = os.Symlink(helperBin, mid); err == nil {
			err = os.Symlink(mid, p)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestKeyringHandsForeignCallsToTheNextKeyring (docs/contract.md §6): invoked as
// `keyring`, a call that is not ours — another service, another user, a
// password to keep — goes to the next `keyring` on PATH after ours, links
// to ourselves skipped, with the same argv, stdin, stdout, stderr and exit
// status; ours are still answered by us; with none there it is "not found".
func TestKeyringHandsForeignCallsToTheNextKeyring(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	index := w.ppm.IndexURL()
	root := t.TempDir()
	before := filepath.Join(root, "before")
	ours := filepath.Join(root, "ours")
	again := filepath.Join(root, "again")
	hard := filepath.Join(root, "hard")
	chain := filepath.Join(root, "chain")
	next := filepath.Join(root, "next")
	last := filepath.Join(root, "last")
	standInKeyring(t, before, "before-keyring", "5")
	linkTo(t, ours, "symlink")
	linkTo(t, again, "symlink")
	linkTo(t, hard, "hardlink")
	linkTo(t, chain, "chain")
	standInKeyring(t, next, "next-keyring", "7")
	standInKeyring(t, last, "last-keyring", "9")
	// A keyring before ours on PATH is not what pip ran (it ran ours), so
	// it is not "after ours"; three more links to ourselves (a second
	// symlink, a hard link, a chain of links) are skipped; "next" answers.
	path := strings.Join([]string{before, ours, again, hard, chain, next, last}, string(os.PathListSeparator))
	w.set("PATH", path)
	link := filepath.Join(ours, "keyring")
	keyring := func(stdin string, args ...string) result {
		return w.runCmd(exec.Command(link, args...), stdin)
	}

	t.Run("same argv and stdio", func(t *testing.T) {
		cases := []struct {
			stdin string
			args  []string
		}{
			{"", []string{"get", "https://pypi.org/simple/", "alice"}},
			{"", []string{"--mode=creds", "--output=json", "get", "https://pypi.org/simple/"}},
			{"", []string{"get", "pypi.org", "--mode", "creds"}},
			// Our address, another user: that secret is the person's.
			{"", []string{"get", index, "alice"}},
			{"", []string{"del", "https://pypi.org/simple/", "alice"}},
			// pip's `keyring set` pipes the typed password.
			{"typed-password\n", []string{"set", "pypi.org", "alice"}},
			{"", []string{"-b", "keyring.backends.SecretService.Keyring", "get", "svc", "user with space"}},
			{"", []string{"--disable"}},
		}
		for _, c := range cases {
			r := keyring(c.stdin, c.args...)
			want := "next-keyring\n"
			for _, a := range c.args {
				want += "arg:" + a + "\n"
			}
			want += "marker:1\n"
			if c.stdin != "" {
				want += "stdin:" + strings.TrimSuffix(c.stdin, "\n") + "\n"
			}
			if r.code != 7 || r.stdout != want || r.stderr != "next-keyring on stderr\n" {
				t.Errorf("keyring %q: exit %d, stdout %q, stderr %q; want 7, %q and the next keyring's stderr", c.args, r.code, r.stdout, r.stderr, want)
			}
		}
	})

	t.Run("ours stays ours", func(t *testing.T) {
		r := keyring("", "get", index, "__token__")
		if r.code != 0 || !w.ppm.ValidToken(strings.TrimSpace(r.stdout)) {
			t.Errorf("get of our service: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		r = keyring("typed-password\n", "set", index, "__token__")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "keyring set is not supported") || strings.Contains(r.stderr, "next-keyring") {
			t.Errorf("set of our service: exit %d, stdout %q, stderr %q; want our refusal", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("list-backends: ours, then the next one's", func(t *testing.T) {
		r := keyring("", "--list-backends")
		lines := strings.Split(r.stdout, "\n")
		if r.code != 7 || !strings.HasPrefix(lines[0], "git_credential_ppm.Keyring (priority: 9.9) - Posit Package Manager tokens, store: file") ||
			!strings.HasPrefix(strings.Join(lines[1:], "\n"), "next-keyring\narg:--list-backends\n") {
			t.Errorf("--list-backends: exit %d, stdout %q", r.code, r.stdout)
		}
	})

	t.Run("the subcommand hands on too", func(t *testing.T) {
		r := w.run("", "keyring", "get", "https://pypi.org/simple/", "alice")
		if r.code != 7 || !strings.HasPrefix(r.stdout, "next-keyring\narg:get\n") {
			t.Errorf("git-credential-ppm keyring get of a foreign service: exit %d, stdout %q", r.code, r.stdout)
		}
	})

	t.Run("a wrapper that calls us back ends", func(t *testing.T) {
		// A `keyring` that is a script running this helper is not a link
		// (not skipped); the marker stops the second hand-over.
		os.RemoveAll(next)
		wrapper := filepath.Join(root, "wrapper")
		os.MkdirAll(wrapper, 0o755)
		os.WriteFile(filepath.Join(wrapper, "keyring"), []byte("#!/bin/sh\nexec "+helperBin+" keyring \"$@\"\n"), 0o755)
		w.set("PATH", strings.Join([]string{ours, wrapper, last}, string(os.PathListSeparator)))
		r := keyring("", "get", "https://pypi.org/simple/", "alice")
		if r.code != 1 || r.stdout != "" {
			t.Errorf("through a wrapper of ourselves: exit %d, stdout %q, stderr %q; want keyring's not found", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("none there", func(t *testing.T) {
		w.set("PATH", strings.Join([]string{ours, again, hard}, string(os.PathListSeparator)))
		r := keyring("", "get", "https://pypi.org/simple/", "alice")
		if r.code != 1 || r.stdout != "" || r.stderr != "" {
			t.Errorf("get with no other keyring: exit %d, stdout %q, stderr %q; want 1 and nothing", r.code, r.stdout, r.stderr)
		}
		r = keyring("typed\n", "set", "pypi.org", "alice")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "no other keyring on PATH") {
			t.Errorf("set with no other keyring: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		r = keyring("", "--list-backends")
		if r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("--list-backends with no other keyring: exit %d, stdout %q", r.code, r.stdout)
		}
		// A relative PATH entry never supplies the next keyring.
		standInKeyring(t, filepath.Join(w.home, "rel"), "relative-keyring", "0")
		w.set("PATH", ours+string(os.PathListSeparator)+"rel")
		if r := keyring("", "get", "https://pypi.org/simple/", "alice"); r.code != 1 || strings.Contains(r.stdout, "relative-keyring") {
			t.Errorf("a keyring through a relative PATH entry was run: exit %d, stdout %q", r.code, r.stdout)
		}
	})
}

// TestKeyringHandsOnToDebiansKeyring: the person's own secrets kept with
// Debian's /usr/bin/keyring (python3-keyring 23.9) in a real gnome-keyring
// stay reachable through our link first on PATH, for set, get and del;
// our address is still ours.
func TestKeyringHandsOnToDebiansKeyring(t *testing.T) {
	t.Parallel()
	testtool.NeedFrom(t, "dbus-run-session", "dbus")
	testtool.NeedFrom(t, "gnome-keyring-daemon", "gnome-keyring")
	debianKeyring := "/usr/bin/keyring"
	if _, err := os.Stat(debianKeyring); err != nil {
		testtool.NeedFrom(t, "/usr/bin/keyring", "python3-keyring")
	}
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.keyringLink()
	dir := filepath.Join(w.home, "keyring-bin")
	w.set("PATH", dir+":/usr/bin:/bin")
	w.set("INDEX", w.ppm.IndexURL())
	session, err := filepath.Abs("scripts/gnome-keyring-session.sh")
	if err != nil {
		t.Fatal(err)
	}
	script := `set -u
keyring=` + filepath.Join(dir, "keyring") + `
printf 'pypi-secret\n' | "$keyring" set https://upload.pypi.org/legacy/ alice; echo "set=$?"
"$keyring" get https://upload.pypi.org/legacy/ alice; echo "get=$?"
/usr/bin/keyring get https://upload.pypi.org/legacy/ alice; echo "debian-get=$?"
tok=$("$keyring" get "$INDEX" __token__); echo "ours=$? length=${#tok}"
"$keyring" --list-backends; echo "list=$?"
"$keyring" del https://upload.pypi.org/legacy/ alice; echo "del=$?"
"$keyring" get https://upload.pypi.org/legacy/ alice; echo "gone=$?"
`
	r := w.runCmd(exec.Command("bash", session, "bash", "-c", script), "")
	r.stdout = strings.ReplaceAll(r.stdout, "\r", "")
	for _, want := range []string{
		"set=0\n", "pypi-secret\nget=0\n", "pypi-secret\ndebian-get=0\n",
		"git_credential_ppm.Keyring (priority: 9.9)", "keyring.backends.SecretService.Keyring", "list=0\n",
		"del=0\n", "gone=1\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("through our link to Debian's keyring: %q missing from\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "ours=0 length=") || strings.Contains(r.stdout, "ours=0 length=0\n") {
		t.Errorf("our address through the link with Debian's keyring behind it: %s", r.stdout)
	}
}
