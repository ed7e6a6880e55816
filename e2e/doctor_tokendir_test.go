package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// TestDoctorRefusesAWritableTokenDirectory: with ~/.ppm writable by every
// user (docs/contract.md §8), doctor says so in one line with the chmod to run, and a
// get does not serve the token planted there.
func TestDoctorRefusesAWritableTokenDirectory(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions do not apply on Windows")
	}
	w := newWorld(t, fakeppm.Options{})
	dir := filepath.Join(w.home, ".ppm")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	planted := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmlsIn0.planted"
	toml := "[[connections]]\naddress = \"" + w.ppm.URL() + "\"\ntoken = \"" + planted + "\"\nauth_type = \"sso\"\n"
	if err := os.WriteFile(filepath.Join(dir, "tokens.toml"), []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := w.run("", "doctor"); !strings.Contains(r.stdout, "✓ token directory: "+dir) {
		t.Fatalf("doctor with a private token directory:\n%s", r.stdout)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	r := w.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ token directory: ") || !strings.Contains(r.stdout, "chmod 700 "+dir) {
		t.Fatalf("doctor with a 0777 token directory: %d\n%s", r.code, r.stdout)
	}
	g := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if strings.Contains(g.stdout, planted) || !strings.Contains(g.stderr, "chmod 700") {
		t.Fatalf("get with a 0777 token directory: stdout %q, stderr %q; want no token and the refusal", g.stdout, g.stderr)
	}
}

// TestTokensFileLinkChainIsRefused: ~/.ppm/tokens.toml is a link to a link
// in a directory anyone can write, which points at the user's own
// ~/.config/uv/uv.toml. A get that would exchange (an identity token is
// configured) exits 1 with one line naming the link and what to do;
// uv.toml keeps its bytes and its mode (it used to get a [[connections]]
// entry with the token, and mode 0600). doctor says the same, and so do
// login and logout.
func TestTokensFileLinkChainIsRefused(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING on Windows: symbolic links are a privilege there (platform's reparse-point check runs under Wine)")
	}
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	uv := filepath.Join(w.home, ".config", "uv", "uv.toml")
	if err := os.MkdirAll(filepath.Dir(uv), 0o755); err != nil {
		t.Fatal(err)
	}
	content := []byte("[[index]]\nurl = \"https://pypi.org/simple\"\n")
	if err := os.WriteFile(uv, content, 0o644); err != nil {
		t.Fatal(err)
	}
	public := filepath.Join(w.home, "shared")
	if err := os.Mkdir(public, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(public, 0o1777); err != nil { // as /tmp: anyone may plant a link
		t.Fatal(err)
	}
	hop := filepath.Join(public, "hop")
	if err := os.Symlink(uv, hop); err != nil {
		t.Fatal(err)
	}
	tokens := filepath.Join(w.home, ".ppm", "tokens.toml")
	if err := os.MkdirAll(filepath.Dir(tokens), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(hop, tokens); err != nil {
		t.Fatal(err)
	}
	oneLine := func(what string, r result) {
		t.Helper()
		if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "the tokens file "+tokens+" is a symbolic link") || !strings.Contains(r.stderr, "remove the link") {
			t.Errorf("%s: code %d, stderr %q; want exit 1 and one line naming the link", what, r.code, r.stderr)
		}
	}
	g := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	oneLine("get", g)
	if g.stdout != "" {
		t.Errorf("get answered git through a linked tokens file: %q", g.stdout)
	}
	oneLine("login", w.run("", "login"))
	oneLine("logout", w.run("", "logout"))
	if c := w.ppm.Counts(); c.Exchange != 0 {
		t.Errorf("%d exchanges; want none while the tokens file is a link", c.Exchange)
	}
	if d := w.run("", "doctor"); d.code != 1 || !strings.Contains(d.stdout, "✗ token directory: the tokens file "+tokens+" is a symbolic link") {
		t.Errorf("doctor: %d\n%s", d.code, d.stdout)
	}
	got, err := os.ReadFile(uv)
	if err != nil || string(got) != string(content) {
		t.Errorf("uv.toml changed: %q (%v)", got, err)
	}
	if fi, err := os.Stat(uv); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("uv.toml's mode changed: %v (%v)", fi.Mode(), err)
	}
	if fi, err := os.Lstat(tokens); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
}
