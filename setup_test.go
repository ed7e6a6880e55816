package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/fakeppm"
)

// TestSetupWiresGitPipUVAndUndoes runs setup against a temporary HOME and
// checks the result with real git and real pip reading their own config.
func TestSetupWiresGitPipUVAndUndoes(t *testing.T) {
	git := needTool(t, "git")
	py := needTool(t, "python3")
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
	git := needTool(t, "git")
	py := needTool(t, "python3")
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
	needTool(t, "git")
	needTool(t, "python3")
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

// TestReadmePipFlow follows the README's pip section word for word: setup,
// `pip config set global.index-url` with the user __token__, then a plain
// `pip download` with no flags and no environment of pip's own.
func TestReadmePipFlow(t *testing.T) {
	py := needTool(t, "python3")
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
		t.Fatalf("pip download after the README's setup: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
