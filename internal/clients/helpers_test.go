package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// testEnv is one isolated user: a temporary HOME, its own git global
// config, XDG directories and a PATH of its own (vars), and Self, a copy
// of a small executable standing for this program.
type testEnv struct {
	*Env
	t    *testing.T
	vars map[string]string
}

func newTestEnv(t *testing.T, address string, path ...string) *testEnv {
	t.Helper()
	home := t.TempDir()
	bin := filepath.Join(home, "opt", "ppm")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(bin, "git-credential-ppm")
	if runtime.GOOS == "windows" {
		self += ".exe"
	}
	// Self's bytes only matter for telling copies apart: a script is enough.
	if err := os.WriteFile(self, []byte("#!/bin/sh\necho this helper\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HOME":                home,
		"USERPROFILE":         home,
		"XDG_CONFIG_HOME":     filepath.Join(home, ".config"),
		"GIT_CONFIG_GLOBAL":   filepath.Join(home, ".gitconfig"),
		"GIT_CONFIG_NOSYSTEM": "1",
		"PATH":                strings.Join(path, string(os.PathListSeparator)),
		"LANG":                "C",
	}
	var list []protocol.Address
	if address != "" {
		a, err := protocol.ParseAddress(address)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, a)
	}
	te := &testEnv{t: t, vars: vars}
	e, err := NewEnv(te.getenv, self, list)
	if err != nil {
		t.Fatal(err)
	}
	te.Env = e
	te.refreshEnviron()
	return te
}

func (te *testEnv) getenv(k string) string { return te.vars[k] }

func (te *testEnv) set(k, v string) {
	te.vars[k] = v
	te.refreshEnviron()
}

// refreshEnviron: child processes get the process's environment minus
// everything that points at a user's config, plus vars.
func (te *testEnv) refreshEnviron() {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, mine := te.vars[k]; mine || strings.HasPrefix(k, "GIT_") || strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "UV_") || strings.HasPrefix(k, "XDG_") {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range te.vars {
		env = append(env, k+"="+v)
	}
	te.Environ = env
}

// session starts a setup session with the state file in HOME.
func (te *testEnv) session(dry bool) *Session {
	te.t.Helper()
	s, err := NewSession(te.Env, filepath.Join(te.Home, ".ppm", "setup.json"), dry)
	if err != nil {
		te.t.Fatal(err)
	}
	return s
}

// git runs the real git in this environment.
func (te *testEnv) git(args ...string) string {
	te.t.Helper()
	cmd := exec.Command(testtool.Need(te.t, "git"), args...)
	cmd.Env = te.Environ
	cmd.Dir = te.Home
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// toolDir is the directory of a tool on this machine's PATH, for a test
// PATH that must find it.
func toolDir(t *testing.T, name string) string {
	return filepath.Dir(testtool.Need(t, name))
}

// lines returns the report's lines at level.
func (r Report) at(level Level) []string {
	var out []string
	for _, l := range r.Lines {
		if l.Level == level {
			out = append(out, l.Text)
		}
	}
	return out
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
