package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestPipApplyCheckUndo runs real pip (`pip config list`) for Check.
func TestPipApplyCheckUndo(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "python3"), "/usr/bin", "/bin")
	if pips, _ := findPips(te.Env); len(pips) == 0 {
		testtool.Need(t, "pip") // python3 without pip: skip, or fail under CI
	}
	s := te.session(false)
	if changed, err := (Pip{}).Apply(s); err != nil || !changed {
		t.Fatalf("Apply: %v %v", changed, err)
	}
	r := (Pip{}).Check(te.Env)
	if !r.Wired || len(r.at(OK)) != 1 {
		t.Fatalf("Check after Apply: %+v", r)
	}
	if err := (Pip{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if exists(pipConfigPath(te.Env)) {
		t.Errorf("Undo left the pip.conf it created")
	}
	if r := (Pip{}).Check(te.Env); r.Wired || len(r.at(Unwired)) != 1 {
		t.Errorf("Check after Undo: %+v", r)
	}
}

// TestPipCheckNamesAnOldPip: Debian 12's own pip (23.0.1) ignores
// keyring-provider; with pip wired, Check says so as a problem, naming the
// version; unwired, it is a note.
func TestPipCheckNamesAnOldPip(t *testing.T) {
	const debianPip = "/usr/bin/pip3"
	out, err := exec.Command(debianPip, "--version").Output()
	v, _, ok := parsePipVersion(string(out))
	if err != nil || !ok || !versionBefore(v, pipMinKeyringProvider) {
		if os.Getenv("CI") == "true" && fileHas("/etc/debian_version", "12.") {
			t.Fatalf("Debian 12's %s (pip 23.0.1) is missing: %v %q; .ci/run installs python3-pip", debianPip, err, out)
		}
		t.Skipf("SKIPPING: no pip older than 23.1 at %s (%q) on this machine; Debian 12's CI has one", debianPip, out)
	}
	te := newTestEnv(t, "https://ppm.example.com", "/usr/bin", "/bin")
	if r := (Pip{}).Check(te.Env); len(r.at(Note)) == 0 || !strings.Contains(r.at(Note)[0], "pip "+v) {
		t.Errorf("unwired, an old pip should be a note: %+v", r)
	}
	if _, err := (Pip{}).Apply(te.session(false)); err != nil {
		t.Fatal(err)
	}
	r := (Pip{}).Check(te.Env)
	p := r.at(Problem)
	if !r.Wired || len(p) == 0 || !strings.Contains(p[0], "pip "+v) || !strings.Contains(p[0], "older than 23.1") {
		t.Errorf("wired, an old pip should be a problem naming its version: %+v", r)
	}
}

func fileHas(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), s)
}

func TestParsePipVersion(t *testing.T) {
	cases := []struct {
		in, version, loc string
		ok               bool
	}{
		{"pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)\n", "23.0.1", "/usr/lib/python3/dist-packages/pip", true},
		{"pip 24.1b1 from C:\\Python 3\\Lib\\site-packages\\pip (python 3.12)", "24.1b1", "C:\\Python 3\\Lib\\site-packages\\pip", true},
		{"pip 9.0.1 from /x (python 2.7)", "9.0.1", "/x", true},
		{"/usr/bin/python3: No module named pip", "", "", false},
		{"", "", "", false},
	}
	for _, c := range cases {
		v, loc, ok := parsePipVersion(c.in)
		if v != c.version || loc != c.loc || ok != c.ok {
			t.Errorf("parsePipVersion(%q) = %q %q %v", c.in, v, loc, ok)
		}
	}
	for v, before := range map[string]bool{"23.0.1": true, "22.3": true, "9.0.1": true, "23.1": false, "23.1.2": false, "24.0": false, "26.2.dev0": false, "23": true, "x.y": false} {
		if got := versionBefore(v, pipMinKeyringProvider); got != before {
			t.Errorf("versionBefore(%q) = %v; want %v", v, got, before)
		}
	}
}

// TestUVApplyCheckUndo: uv.toml gets the line at its top level and loses
// it again; Check reads it when uv is installed.
func TestUVApplyCheckUndo(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	uvDir := ""
	if p, err := exec.LookPath("uv"); err == nil {
		uvDir = filepath.Dir(p)
		te.set("PATH", uvDir)
	}
	conf := uvConfigPath(te.Env)
	os.MkdirAll(filepath.Dir(conf), 0o700)
	own := "[[index]]\nurl = \"https://ppm.example.com/pypi/latest/simple/\"\n"
	os.WriteFile(conf, []byte(own), 0o600)
	s := te.session(false)
	if changed, err := (UV{}).Apply(s); err != nil || !changed {
		t.Fatalf("Apply: %v %v", changed, err)
	}
	if got := mustRead(t, conf); got != "keyring-provider = \"subprocess\"\n"+own {
		t.Errorf("uv.toml after Apply: %q", got)
	}
	if uvDir != "" {
		if r := (UV{}).Check(te.Env); !r.Wired {
			t.Errorf("Check after Apply: %+v", r)
		}
	} else {
		t.Logf("uv is not installed here: Check is covered only for its 'not installed' line")
		if r := (UV{}).Check(te.Env); r.Wired || len(r.at(Note)) != 1 {
			t.Errorf("Check without uv: %+v", r)
		}
	}
	if err := (UV{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, conf); got != own {
		t.Errorf("uv.toml after Undo: %q; want %q", got, own)
	}
	if uvDir != "" {
		if r := (UV{}).Check(te.Env); r.Wired {
			t.Errorf("Check after Undo: %+v", r)
		}
	}
}

// TestPipCheckDoesNotHangOnAHungPip: a pip that never answers (a broken
// network mount, a stuck interpreter) is named after the tool timeout.
func TestPipCheckDoesNotHangOnAHungPip(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as pip")
	}
	te := newTestEnv(t, "https://ppm.example.com")
	bin := filepath.Join(te.Home, "hung")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "pip"), []byte("#!/bin/sh\nexec sleep 60\n"), 0o755)
	te.set("PATH", bin+string(os.PathListSeparator)+"/bin:/usr/bin")
	te.Env.ToolTimeout = 500 * time.Millisecond
	done := make(chan Report, 1)
	go func() { done <- (Pip{}).Check(te.Env) }()
	select {
	case r := <-done:
		notes := strings.Join(r.at(Note), "\n")
		if !strings.Contains(notes, "pip --version did not finish within 500ms") {
			t.Errorf("Check with a hung pip: %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Check waited for a hung pip")
	}
}

// TestHintsNamePPMsAuthenticatedIndex: setup's advice names the index URL
// Package Manager's documentation and posit-keyring use for an
// authenticated repository (pypi-auth), with the user __token__.
func TestHintsNamePPMsAuthenticatedIndex(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com/")
	const want = "https://__token__@ppm.example.com/pypi-auth/latest/simple/"
	for _, h := range append(Pip{}.Hints(te.Env), UV{}.Hints(te.Env)...) {
		if !strings.Contains(h, want) {
			t.Errorf("hint %q does not name %s", h, want)
		}
	}
	if len(Pip{}.Hints(te.Env)) != 1 || len(UV{}.Hints(te.Env)) != 1 {
		t.Errorf("pip and uv should each give one hint")
	}
}
