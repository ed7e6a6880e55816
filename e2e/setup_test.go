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

// TestSetupWiresGitPipUVAndUndoes runs setup against a temporary HOME and
// checks the result with real git and real pip reading their own config.
func TestSetupWiresGitPipUVAndUndoes(t *testing.T) {
	t.Parallel()
	slow(t)
	git := testtool.Need(t, "git")
	py := testtool.Need(t, "python3")
	w := newWorld(t, fakeppm.Options{})
	bin := filepath.Join(w.home, "bin")
	os.MkdirAll(bin, 0o755)
	self := filepath.Join(bin, "git-credential-ppm")
	if err := os.Link(helperBin, self); err != nil {
		b, _ := os.ReadFile(helperBin)
		os.WriteFile(self, b, 0o755)
	}
	w.set("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	// Something of the person's own in pip.conf must survive.
	pipConf := filepath.Join(w.home, ".config", "pip", "pip.conf")
	os.MkdirAll(filepath.Dir(pipConf), 0o700)
	os.WriteFile(pipConf, []byte("[global]\ntimeout = 60\n"), 0o600)

	run := func(args ...string) result { return w.runCmd(exec.Command(self, args...), "") }

	dry := run("setup", "--dry-run")
	if dry.code != 0 || !strings.Contains(dry.stdout, "dry run") {
		t.Fatalf("dry run: %d %q %q", dry.code, dry.stdout, dry.stderr)
	}
	if out := w.git("config", "--global", "--get-regexp", "credential"); out.stdout != "" {
		t.Fatalf("--dry-run changed git config: %q", out.stdout)
	}

	first := run("setup")
	if first.code != 0 {
		t.Fatalf("setup: %d %q %q", first.code, first.stdout, first.stderr)
	}
	key := "credential." + w.ppm.URL() + ".helper"
	if out := w.git("config", "--global", "--get-all", key); strings.TrimSpace(out.stdout) != "ppm" {
		t.Errorf("git %s = %q; want ppm (our binary is on PATH)", key, out.stdout)
	}
	pip := exec.Command(py, "-m", "pip", "config", "list")
	pip.Env = []string{"PIP_DISABLE_PIP_VERSION_CHECK=1"}
	if out := w.runCmd(pip, ""); !strings.Contains(out.stdout, "global.keyring-provider='subprocess'") || !strings.Contains(out.stdout, "global.timeout='60'") {
		t.Errorf("pip config list after setup: %q %q", out.stdout, out.stderr)
	}
	uv, _ := os.ReadFile(filepath.Join(w.home, ".config", "uv", "uv.toml"))
	if !strings.Contains(string(uv), `keyring-provider = "subprocess"`) {
		t.Errorf("uv.toml: %q", uv)
	}
	link := filepath.Join(bin, "keyring")
	if r, err := filepath.EvalSymlinks(link); err != nil || !sameFile(r, self) {
		t.Errorf("keyring link: %v %v", r, err)
	}
	// git uses it: a credential fill through the configured helper answers.
	w.withIdentity()
	fill := w.runCmd(exec.Command(git, "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	if !w.ppm.ValidToken(attr(fill.stdout, "password")) {
		t.Errorf("git credential fill after setup: %q %q", fill.stdout, fill.stderr)
	}

	second := run("setup")
	if second.code != 0 || !strings.Contains(second.stdout, "Nothing to change") {
		t.Errorf("second setup: %q", second.stdout)
	}

	removed := run("setup", "--remove")
	if removed.code != 0 {
		t.Fatalf("setup --remove: %q %q", removed.stdout, removed.stderr)
	}
	if out := w.git("config", "--global", "--get-regexp", "credential"); out.stdout != "" {
		t.Errorf("git config after --remove: %q", out.stdout)
	}
	if out := w.runCmd(pip, ""); strings.Contains(out.stdout, "keyring-provider") || !strings.Contains(out.stdout, "global.timeout='60'") {
		t.Errorf("pip config after --remove: %q", out.stdout)
	}
	if b, _ := os.ReadFile(pipConf); string(b) != "[global]\ntimeout = 60\n" {
		t.Errorf("pip.conf after --remove differs from the person's own: %q", b)
	}
	if fileExists(filepath.Join(w.home, ".config", "uv", "uv.toml")) {
		t.Errorf("uv.toml, created by setup, survived --remove")
	}
	if fileExists(link) {
		t.Errorf("the keyring link survived --remove")
	}
	if again := run("setup", "--remove"); !strings.Contains(again.stdout, "Nothing to remove") {
		t.Errorf("second --remove: %q", again.stdout)
	}
}

// TestSetupFromOutsidePath: the binary is not on PATH (git gets its
// absolute path), the link goes to ~/.local/bin (not on PATH: setup says
// so), a pip.conf value of the person's own is restored by --remove, and a
// Python keyring earlier on PATH is named.
func TestSetupFromOutsidePath(t *testing.T) {
	t.Parallel()
	git := testtool.Need(t, "git")
	py := testtool.Need(t, "python3")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	pipConf := filepath.Join(w.home, ".config", "pip", "pip.conf")
	os.MkdirAll(filepath.Dir(pipConf), 0o700)
	own := "[global]\nkeyring-provider = import\n"
	os.WriteFile(pipConf, []byte(own), 0o600)

	first := w.run("", "setup")
	local := filepath.Join(w.home, ".local", "bin")
	if first.code != 0 || !strings.Contains(first.stdout, local+" is not on PATH") {
		t.Fatalf("setup: %d %q %q", first.code, first.stdout, first.stderr)
	}
	key := "credential." + w.ppm.URL() + ".helper"
	if out := w.git("config", "--global", "--get-all", key); strings.TrimSpace(out.stdout) != filepath.ToSlash(helperBin) {
		t.Errorf("git %s = %q; want the absolute path %s", key, out.stdout, helperBin)
	}
	fill := w.runCmd(exec.Command(git, "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	if !w.ppm.ValidToken(attr(fill.stdout, "password")) {
		t.Errorf("git credential fill through the absolute path: %q %q", fill.stdout, fill.stderr)
	}
	pip := exec.Command(py, "-m", "pip", "config", "list")
	pip.Env = []string{"PIP_DISABLE_PIP_VERSION_CHECK=1"}
	if out := w.runCmd(pip, ""); !strings.Contains(out.stdout, "global.keyring-provider='subprocess'") {
		t.Errorf("pip config list: %q", out.stdout)
	}

	// A Python keyring in a directory before ours on PATH.
	shadow := filepath.Join(w.home, "pybin")
	os.MkdirAll(shadow, 0o755)
	os.WriteFile(filepath.Join(shadow, "keyring"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	w.set("PATH", shadow+string(os.PathListSeparator)+local+string(os.PathListSeparator)+os.Getenv("PATH"))
	second := w.run("", "setup")
	if second.code != 0 || !strings.Contains(second.stdout, "Nothing to change") || !strings.Contains(second.stdout, filepath.Join(shadow, "keyring")+" comes earlier on PATH") {
		t.Errorf("second setup with a shadowing keyring: %q", second.stdout)
	}
	w.set("PATH", local+string(os.PathListSeparator)+shadow+string(os.PathListSeparator)+os.Getenv("PATH"))
	if third := w.run("", "setup"); strings.Contains(third.stdout, "warning") {
		t.Errorf("a keyring after ours on PATH was reported: %q", third.stdout)
	}

	if r := w.run("", "setup", "--remove", "--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "restore keyring-provider = import") {
		t.Errorf("setup --remove --dry-run: %q", r.stdout)
	}
	if b, _ := os.ReadFile(pipConf); strings.Contains(string(b), "import") {
		t.Errorf("--remove --dry-run changed pip.conf: %q", b)
	}
	if r := w.run("", "setup", "--remove"); r.code != 0 {
		t.Fatalf("setup --remove: %q %q", r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(pipConf); string(b) != own {
		t.Errorf("pip.conf after --remove: %q; want the person's own %q back", b, own)
	}
	if out := w.git("config", "--global", "--get-regexp", "credential"); out.stdout != "" {
		t.Errorf("git config after --remove: %q", out.stdout)
	}
	if fileExists(filepath.Join(local, "keyring")) {
		t.Errorf("the keyring link survived --remove")
	}
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	r := w.run("", "doctor")
	for _, want := range []string{"✓ configuration", "✓ store: file", "reachable", "token endpoint answers", "✓ clock", "✗ git"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 1 {
		t.Errorf("doctor with git not wired exited %d; want 1", r.code)
	}
	w.set("PACKAGEMANAGER_ADDRESS", "http://127.0.0.1:9")
	r = w.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ http://127.0.0.1:9: not reachable") {
		t.Errorf("doctor against nothing: %d\n%s", r.code, r.stdout)
	}
}

// TestDoctorAllGoodAfterSetup: after setup, with the link's directory on
// PATH and a token stored, every line is ✓ (or a skipped tool) and doctor
// exits 0; the probe item is gone from the store afterwards.
func TestDoctorAllGoodAfterSetup(t *testing.T) {
	t.Parallel()
	slow(t)
	testtool.Need(t, "git")
	testtool.Need(t, "python3")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	w.set("PATH", filepath.Join(w.home, ".local", "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	if r := w.run("", "setup"); r.code != 0 {
		t.Fatalf("setup: %q %q", r.stdout, r.stderr)
	}
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login: %q", r.stderr)
	}
	r := w.run("", "doctor")
	if r.code != 0 || strings.Contains(r.stdout, "✗") {
		t.Fatalf("doctor after setup: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"✓ git:", "✓ pip/uv: `keyring` on PATH is this helper", "✓ pip: keyring-provider = subprocess", "token from"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
	b, _ := os.ReadFile(filepath.Join(w.home, ".ppm", "tokens.toml"))
	if strings.Contains(string(b), "doctor") {
		t.Errorf("the store probe was left in tokens.toml:\n%s", b)
	}
}

// TestReadmePipFlow follows docs/python.md's "pip without the wheel" word
// for word: setup, `pip config set global.index-url` with the user
// __token__, then a plain `pip download` with no flags and no environment
// of pip's own.
func TestReadmePipFlow(t *testing.T) {
	t.Parallel()
	slow(t)
	py := testtool.Need(t, "python3")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	w.set("PATH", filepath.Join(w.home, ".local", "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	if r := w.run("", "setup"); r.code != 0 {
		t.Fatalf("setup: %q %q", r.stdout, r.stderr)
	}
	index := strings.Replace(w.ppm.IndexURL(), "://", "://__token__@", 1)
	if r := w.runCmd(exec.Command(py, "-m", "pip", "config", "set", "global.index-url", index), ""); r.code != 0 {
		t.Fatalf("pip config set: %q %q", r.stdout, r.stderr)
	}
	dl := filepath.Join(w.home, "dl")
	cmd := exec.Command(py, "-m", "pip", "download", "--no-deps", "-d", dl, w.ppm.WheelName())
	cmd.Env = []string{"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1"}
	if r := w.runCmd(cmd, ""); r.code != 0 || !fileExists(filepath.Join(dl, w.ppm.WheelFile())) {
		t.Fatalf("pip download after docs/python.md's setup: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// fileExists reports whether something (even a dangling link) is at p.
func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// TestSetupKeepsAGlobalStoreHelperAwayFromTheToken: with a global
// `credential.helper store` (common), setup resets the helper list for the
// address, so after a real authenticated git ls-remote no
// ~/.git-credentials exists; doctor names store when the reset is missing;
// --remove takes both lines away and leaves store.
func TestSetupKeepsAGlobalStoreHelperAwayFromTheToken(t *testing.T) {
	t.Parallel()
	testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	w.git("config", "--global", "credential.helper", "store")
	if r := w.run("", "setup"); r.code != 0 {
		t.Fatalf("setup: %q %q", r.stdout, r.stderr)
	}
	key := "credential." + w.ppm.URL() + ".helper"
	if out := w.git("config", "--global", "--get-all", key); out.stdout != "\n"+filepath.ToSlash(helperBin)+"\n" {
		t.Errorf("%s = %q; want an empty line, then the helper", key, out.stdout)
	}
	ls := w.git("ls-remote", w.ppm.GitRepoURL())
	if ls.code != 0 || !strings.Contains(ls.stdout, "refs/heads/") {
		t.Fatalf("git ls-remote: %d %s %s", ls.code, ls.stdout, ls.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges = %d; want 1 (ls-remote authenticated through the helper)", c.Exchange)
	}
	if fileExists(filepath.Join(w.home, ".git-credentials")) {
		b, _ := os.ReadFile(filepath.Join(w.home, ".git-credentials"))
		t.Fatalf("git's store helper got the token: ~/.git-credentials = %q", b)
	}
	if r := w.run("", "doctor"); !strings.Contains(r.stdout, "✓ git: "+key) || strings.Contains(r.stdout, "also calls") {
		t.Errorf("doctor after setup:\n%s", r.stdout)
	}

	// The README's old manual line (no reset): doctor names store.
	w.git("config", "--global", "--unset-all", key)
	w.git("config", "--global", key, "ppm")
	if r := w.run("", "doctor"); r.code != 1 || !strings.Contains(r.stdout, "✗ git: for "+w.ppm.URL()+" git also calls the helper(s) store") {
		t.Errorf("doctor with store before ppm: %d\n%s", r.code, r.stdout)
	}
	if r := w.run("", "setup", "--remove"); r.code != 0 {
		t.Fatalf("setup --remove: %q %q", r.stdout, r.stderr)
	}
	if out := w.git("config", "--global", "--get-regexp", "credential"); out.stdout != "credential.helper store\n"+key+" ppm\n" {
		t.Errorf("git config after --remove: %q; want store and the person's own line", out.stdout)
	}
}

// TestSetupQuotesAHelperPathWithASpace: a binary in "dir with space/",
// not on PATH, is written quoted for git's shell, and real git runs it.
func TestSetupQuotesAHelperPathWithASpace(t *testing.T) {
	t.Parallel()
	git := testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	dir := filepath.Join(w.home, "dir with space")
	os.MkdirAll(dir, 0o755)
	self := filepath.Join(dir, filepath.Base(helperBin))
	b, _ := os.ReadFile(helperBin)
	os.WriteFile(self, b, 0o755)
	if r := w.runCmd(exec.Command(self, "setup"), ""); r.code != 0 {
		t.Fatalf("setup: %q %q", r.stdout, r.stderr)
	}
	key := "credential." + w.ppm.URL() + ".helper"
	want := strings.ReplaceAll(filepath.ToSlash(self), " ", `\ `)
	if out := w.git("config", "--global", "--get-all", key); strings.TrimSpace(out.stdout) != want {
		t.Errorf("%s = %q; want %q", key, out.stdout, want)
	}
	fill := w.runCmd(exec.Command(git, "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	if !w.ppm.ValidToken(attr(fill.stdout, "password")) {
		t.Errorf("git credential fill through %q: %q %q", want, fill.stdout, fill.stderr)
	}
}

// TestSetupAndDoctorAgreeOnACopiedKeyring: a copy (not a link) of this
// helper named keyring first on PATH: setup --dry-run leaves it
// "(unchanged)" and doctor calls it this helper.
func TestSetupAndDoctorAgreeOnACopiedKeyring(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	bin := filepath.Join(w.home, "bin")
	os.MkdirAll(bin, 0o755)
	b, _ := os.ReadFile(helperBin)
	self := filepath.Join(bin, filepath.Base(helperBin))
	os.WriteFile(self, b, 0o755)
	copied := filepath.Join(bin, "keyring")
	os.WriteFile(copied, b, 0o755)
	w.set("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	dry := w.runCmd(exec.Command(self, "setup", "--dry-run"), "")
	if dry.code != 0 || !strings.Contains(dry.stdout, "keyring: "+copied+" → "+self+" (unchanged)") {
		t.Errorf("setup --dry-run with a copied keyring: %d %q %q", dry.code, dry.stdout, dry.stderr)
	}
	doc := w.runCmd(exec.Command(self, "doctor"), "")
	if !strings.Contains(doc.stdout, "✓ pip/uv: `keyring` on PATH is this helper ("+copied+")") {
		t.Errorf("doctor with a copied keyring:\n%s", doc.stdout)
	}
}

// TestSetupWritesThroughASymlinkedPipConf: a dotfile manager's pip.conf
// link stays a link; real pip reads the line through it; --remove gives
// the target its content back.
func TestSetupWritesThroughASymlinkedPipConf(t *testing.T) {
	t.Parallel()
	py := testtool.Need(t, "python3")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	target := filepath.Join(w.home, "dotfiles", "pip.conf")
	os.MkdirAll(filepath.Dir(target), 0o755)
	own := "[global]\ntimeout = 60\n"
	os.WriteFile(target, []byte(own), 0o644)
	conf := filepath.Join(w.home, ".config", "pip", "pip.conf")
	os.MkdirAll(filepath.Dir(conf), 0o755)
	if err := os.Symlink(target, conf); err != nil {
		t.Skipf("SKIPPING: cannot make symbolic links here: %v", err)
	}
	if r := w.run("", "setup"); r.code != 0 {
		t.Fatalf("setup: %q %q", r.stdout, r.stderr)
	}
	if fi, err := os.Lstat(conf); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("setup replaced the pip.conf link: %v %v", fi, err)
	}
	pip := exec.Command(py, "-m", "pip", "config", "list")
	if out := w.runCmd(pip, ""); !strings.Contains(out.stdout, "global.keyring-provider='subprocess'") || !strings.Contains(out.stdout, "global.timeout='60'") {
		t.Errorf("pip config list through the link: %q %q", out.stdout, out.stderr)
	}
	if r := w.run("", "setup", "--remove"); r.code != 0 {
		t.Fatalf("setup --remove: %q %q", r.stdout, r.stderr)
	}
	if fi, err := os.Lstat(conf); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("--remove did not keep the pip.conf link: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != own {
		t.Errorf("the link's target after --remove: %q; want %q", b, own)
	}
}

// TestReadmeGitLinesKeepStoreAway runs the `git config` lines of the
// README's git section word for word (address swapped for the fake's)
// beside a global `store` helper: a real ls-remote authenticates and
// leaves no ~/.git-credentials.
func TestReadmeGitLinesKeepStoreAway(t *testing.T) {
	t.Parallel()
	testtool.Need(t, "git")
	sh := testtool.Need(t, "sh")
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## git\n")
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var lines []string
	for _, l := range strings.Split(block, "\n") {
		if strings.HasPrefix(l, "git config ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("the README's git section has %d git config lines, want the reset and the helper:\n%s", len(lines), block)
	}
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("PATH", filepath.Dir(helperBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	w.git("config", "--global", "credential.helper", "store")
	for _, l := range lines {
		l = strings.ReplaceAll(l, "https://ppm.example.com", w.ppm.URL())
		if r := w.runCmd(exec.Command(sh, "-c", l), ""); r.code != 0 {
			t.Fatalf("%s: %s", l, r.stderr)
		}
	}
	if ls := w.git("ls-remote", w.ppm.GitRepoURL()); ls.code != 0 {
		t.Fatalf("git ls-remote after the README's lines: %s", ls.stderr)
	}
	if fileExists(filepath.Join(w.home, ".git-credentials")) {
		t.Errorf("the store helper got the token after the README's git lines")
	}
}
