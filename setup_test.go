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
	if fileExists(link) {
		t.Errorf("the keyring link survived --remove")
	}
	if again := run("setup", "--remove"); !strings.Contains(again.stdout, "Nothing to remove") {
		t.Errorf("second --remove: %q", again.stdout)
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
