package clients

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// systemDir makes a directory outside HOME holding a copy of this program,
// as a package manager's /usr/bin holds it (writable here: the tests run
// as root in CI).
func (te *testEnv) systemDir(withKeyring bool) string {
	te.t.Helper()
	dir := filepath.Join(te.t.TempDir(), "usr", "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		te.t.Fatal(err)
	}
	self := filepath.Join(dir, filepath.Base(te.Self))
	b, _ := os.ReadFile(te.Self)
	if err := os.WriteFile(self, b, 0o755); err != nil {
		te.t.Fatal(err)
	}
	if withKeyring {
		os.WriteFile(filepath.Join(dir, KeyringName()), []byte("#!/usr/bin/python3\nimport keyring.cli\n"), 0o755)
	}
	te.Self = self
	return dir
}

// TestLinkGoesBesideTheProgramOnlyInTheUsersOwnDirectory: beside this
// program when its directory is writable, on PATH and has no keyring;
// otherwise in ~/.local/bin — a directory with another keyring (Debian's
// /usr/bin) is left alone. (The unprivileged user's /usr/bin is
// TestSetupFromASystemDirectoryInANewLoginShell's.)
func TestLinkGoesBesideTheProgramOnlyInTheUsersOwnDirectory(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	own := filepath.Dir(te.Self)
	local := filepath.Join(te.Home, ".local", "bin")
	te.set("PATH", own+string(os.PathListSeparator)+local)
	if p := te.planLink(); p.Dir != own || p.Blocked != "" || !p.OnPath {
		t.Errorf("program in HOME, on PATH: %+v; want the link beside it in %s", p, own)
	}
	os.WriteFile(filepath.Join(own, KeyringName()), []byte("#!/usr/bin/python3\n"), 0o755)
	if p := te.planLink(); p.Dir != local || p.Blocked != "" {
		t.Errorf("program beside another keyring: %+v; want %s", p, local)
	}

	te = newTestEnv(t, "https://ppm.example.com")
	local = filepath.Join(te.Home, ".local", "bin")
	sys := te.systemDir(true)
	te.set("PATH", local+string(os.PathListSeparator)+sys)
	if p := te.planLink(); p.Dir != local || p.Blocked != "" || !p.OnPath {
		t.Errorf("program in a system directory beside a Python keyring: %+v; want %s", p, local)
	}
	os.Remove(filepath.Join(sys, KeyringName()))
	want := sys // one this user can write to (root can write to /usr/bin)
	if runtime.GOOS == "windows" {
		want = local // outside the profile
	}
	if p := te.planLink(); p.Dir != want {
		t.Errorf("program alone in a writable directory outside HOME: %+v; want %s", p, want)
	}
}

// TestLinkBlockedByAForeignKeyringChangesNothing: a keyring that is not
// ours where the link must go stops setup before anything is written (git,
// pip, uv untouched), in one line that says what to do; doctor says the
// same line and no ✓; a second run says it again.
func TestLinkBlockedByAForeignKeyringChangesNothing(t *testing.T) {
	git := toolDir(t, "git")
	te := newTestEnv(t, "https://ppm.example.com")
	local := filepath.Join(te.Home, ".local", "bin")
	sys := te.systemDir(true)
	os.MkdirAll(local, 0o755)
	pipx := filepath.Join(local, KeyringName())
	os.WriteFile(pipx, []byte("#!/usr/bin/python3\n# pipx's keyring\n"), 0o755)
	te.set("PATH", local+string(os.PathListSeparator)+sys+string(os.PathListSeparator)+git)
	for run := 1; run <= 2; run++ {
		s := te.session(false)
		err := Setup(s, Table)
		var blocked *BlockedError
		if !errors.As(err, &blocked) || len(blocked.Lines) != 1 || !strings.Contains(blocked.Lines[0], pipx+" already exists and is not this helper") || !strings.Contains(blocked.Lines[0], "setup does not replace it") {
			t.Fatalf("run %d: Setup with a foreign keyring in %s: %v", run, local, err)
		}
		if out := te.git("config", "--global", "--get-regexp", "credential"); out != "" {
			t.Errorf("run %d: git config was written: %q", run, out)
		}
		if exists(pipConfigPath(te.Env)) || exists(uvConfigPath(te.Env)) || exists(s.StatePath) {
			t.Errorf("run %d: pip.conf, uv.toml or the state file was written", run)
		}
		if b, _ := os.ReadFile(pipx); !strings.Contains(string(b), "pipx's keyring") {
			t.Errorf("run %d: the foreign keyring was replaced", run)
		}
	}
	r := KeyringLink{Users: []string{"pip"}}.Check(te.Env)
	if len(r.at(OK)) != 0 || len(r.Lines) != 1 || !strings.Contains(r.Lines[0].Text, pipx+" already exists and is not this helper") {
		t.Errorf("Check with the link blocked: %+v", r)
	}
}

// TestHandMadeLinkOffPathIsRecognised: a link the person made by hand in
// ~/.local/bin, with that directory not on PATH, is ours to setup
// (unchanged, nothing replaced) and to doctor (not ✓), and both print the
// same line to put the directory on PATH.
func TestHandMadeLinkOffPathIsRecognised(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	te := newTestEnv(t, "https://ppm.example.com")
	local := filepath.Join(te.Home, ".local", "bin")
	sys := te.systemDir(true)
	os.MkdirAll(local, 0o755)
	link := filepath.Join(local, KeyringName())
	if err := os.Symlink(te.Self, link); err != nil {
		t.Fatal(err)
	}
	te.set("PATH", sys)
	te.set("SHELL", "/bin/bash")
	s := te.session(true)
	if changed, err := (KeyringLink{}).Apply(s); err != nil || changed {
		t.Fatalf("Apply: %v %v %q", changed, err, s.Out)
	}
	out := strings.Join(s.Out, "\n")
	advice := te.pathAdvice(local)
	if !strings.Contains(out, link+" → "+te.Self+" (unchanged)") || !strings.Contains(out, advice) {
		t.Errorf("Apply with a hand-made link off PATH: %q; want unchanged and %q", out, advice)
	}
	r := KeyringLink{Users: []string{"pip"}}.Check(te.Env)
	if len(r.at(OK)) != 0 || len(r.at(Problem)) != 1 || !strings.Contains(r.at(Problem)[0], advice) {
		t.Errorf("Check with a hand-made link off PATH: %+v", r)
	}
	if want := `add it for bash: echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.bashrc`; runtime.GOOS == "linux" && !strings.HasPrefix(advice, want) {
		t.Errorf("advice for bash: %q; want it to start with %q", advice, want)
	}
}

// TestPathAdvice: the line names the shell's own startup file, and when
// that file already puts the directory on PATH (Debian's ~/.profile does
// for ~/.local/bin) it says so instead of adding a second line.
func TestPathAdvice(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the startup files checked are Linux's")
	}
	te := newTestEnv(t, "https://ppm.example.com")
	local := filepath.Join(te.Home, ".local", "bin")
	for shell, want := range map[string]string{
		"/bin/bash":     `echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.bashrc`,
		"/usr/bin/zsh":  `echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.zshrc`,
		"/bin/dash":     `echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.profile`,
		"":              `echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.profile`,
		"/usr/bin/fish": `fish_add_path '` + local + `'`,
	} {
		te.set("SHELL", shell)
		if got := te.pathAdvice(local); !strings.Contains(got, want) {
			t.Errorf("SHELL=%s: %q; want %q", shell, got, want)
		}
	}
	te.set("SHELL", "/bin/bash")
	if got := te.pathAdvice("/opt/it's here"); !strings.Contains(got, `'export PATH="/opt/it'\''s here:$PATH"'`) {
		t.Errorf("a directory with a quote: %q", got)
	}
	skel, err := os.ReadFile("/etc/skel/.profile")
	if err != nil || !strings.Contains(string(skel), ".local/bin") {
		t.Skip("SKIPPING the ~/.profile case: this system's /etc/skel/.profile does not add ~/.local/bin (Debian's does)")
	}
	os.WriteFile(filepath.Join(te.Home, ".profile"), skel, 0o644)
	te.set("SHELL", "/bin/bash")
	if got := te.pathAdvice(local); !strings.Contains(got, "your ~/.profile puts it on PATH in every new login shell") {
		t.Errorf("with Debian's ~/.profile: %q", got)
	}
}
