package clients

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestKeyringLinkApplyCheckUndo: the link goes to ~/.local/bin (on PATH),
// Check finds this helper, Undo removes the link, Check then does not.
func TestKeyringLinkApplyCheckUndo(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	local := filepath.Join(te.Home, ".local", "bin")
	te.set("PATH", local)
	link := KeyringLink{Users: []string{"pip"}}
	if r := link.Check(te.Env); r.Wired || len(r.at(Unwired)) != 1 {
		t.Fatalf("Check before setup: %+v", r)
	}
	s := te.session(false)
	if changed, err := link.Apply(s); err != nil || !changed {
		t.Fatalf("Apply: %v %v", changed, err)
	}
	if !IsOurs(filepath.Join(local, KeyringName()), te.Self) {
		t.Fatalf("no link of ours in %s: %q", local, s.Out)
	}
	if r := link.Check(te.Env); !r.Wired || len(r.at(OK)) != 1 {
		t.Fatalf("Check after Apply: %+v", r)
	}
	if err := link.Undo(s); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(local, KeyringName())) {
		t.Errorf("Undo left the link")
	}
	if r := link.Check(te.Env); r.Wired {
		t.Errorf("Check after Undo: %+v", r)
	}
	// Needed by a wired client, a missing link is a problem.
	te.setWired("pip", true)
	if r := link.Check(te.Env); len(r.at(Problem)) != 1 {
		t.Errorf("Check with pip wired and no link: %+v", r)
	}
}

// TestCopiedKeyringIsOursForSetupAndCheck: a copy of this program (not a
// link) first on PATH is this helper for both Apply and Check — they once
// disagreed ("unchanged" against "not this helper").
func TestCopiedKeyringIsOursForSetupAndCheck(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	dir := filepath.Dir(te.Self)
	te.set("PATH", dir)
	b, _ := os.ReadFile(te.Self)
	copied := filepath.Join(dir, KeyringName())
	if err := os.WriteFile(copied, b, 0o755); err != nil {
		t.Fatal(err)
	}
	s := te.session(true)
	changed, err := KeyringLink{}.Apply(s)
	if err != nil || changed || !strings.Contains(strings.Join(s.Out, "\n"), "(unchanged)") {
		t.Errorf("dry Apply with a copy on PATH: %v %v %q", changed, err, s.Out)
	}
	if r := (KeyringLink{}).Check(te.Env); !r.Wired || len(r.at(OK)) != 1 {
		t.Errorf("Check with a copy on PATH: %+v", r)
	}
	// A different program named keyring is not ours.
	os.WriteFile(copied, []byte("#!/usr/bin/python3\nimport keyring\n"), 0o755)
	r := KeyringLink{}.Check(te.Env)
	if r.Wired || len(r.at(Unwired)) != 1 || !strings.Contains(r.at(Unwired)[0], "a Python keyring") {
		t.Errorf("Check with a Python keyring on PATH: %+v", r)
	}
	// It is never replaced: the link goes to ~/.local/bin instead.
	s = te.session(true)
	if _, err := (KeyringLink{}).Apply(s); err != nil || !strings.Contains(strings.Join(s.Out, "\n"), "link "+filepath.Join(te.Home, ".local", "bin", KeyringName())) {
		t.Errorf("Apply beside a foreign keyring: %v %q; want the link in ~/.local/bin", err, s.Out)
	}
}

// TestPythonKeyringEarlierOnPath: a Python keyring (here Debian's
// python3-keyring) before our link is named, with what to do, as a
// problem when pip is wired; setup warns about it.
func TestPythonKeyringEarlierOnPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING: on Windows a Python keyring is a .exe launcher, not a script")
	}
	py := testtool.Need(t, "keyring") // Debian's python3-keyring in CI
	if !isPythonScript(py) {
		t.Skipf("SKIPPING: the keyring on this machine (%s) is no Python script", py)
	}
	te := newTestEnv(t, "https://ppm.example.com")
	local := filepath.Join(te.Home, ".local", "bin")
	te.set("PATH", filepath.Dir(py)+string(os.PathListSeparator)+local)
	s := te.session(false)
	if _, err := (KeyringLink{}).Apply(s); err != nil {
		t.Fatal(err)
	}
	if out := strings.Join(s.Out, "\n"); !strings.Contains(out, py+" comes earlier on PATH") {
		t.Errorf("setup did not warn about %s: %q", py, out)
	}
	te.setWired("pip", true)
	r := KeyringLink{Users: []string{"pip"}}.Check(te.Env)
	p := r.at(Problem)
	if len(p) != 1 || !strings.Contains(p[0], py) || !strings.Contains(p[0], "a Python keyring") || !strings.Contains(p[0], "put "+local+" earlier on PATH") {
		t.Errorf("Check with a Python keyring before ours: %+v", r)
	}
	// Debian's keyring is no venv's: no pip install into the system's
	// python is suggested; our link hands it what is not ours.
	if len(p) == 1 && (strings.Contains(p[0], "pip install") || !strings.Contains(p[0], "on to "+py)) {
		t.Errorf("Check with the system's Python keyring before ours: %q", p[0])
	}
}

// TestPythonKeyringWithOurBackendServes: a venv's Python keyring CLI (the
// console script pip writes for keyring) first on PATH is fine when our
// wheel's backend is installed there: it answers for Package Manager.
func TestPythonKeyringWithOurBackendServes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses Debian's /usr/bin/python3")
	}
	py := debianPython(t)
	te := newTestEnv(t, "https://ppm.example.com")
	venv := filepath.Join(te.Home, "venv")
	bin := filepath.Join(venv, "bin")
	te.run(py, "-m", "venv", "--system-site-packages", venv)
	// keyring comes from Debian's python3-keyring (system site packages);
	// its console script is what pip writes when it installs keyring.
	script := "#!" + filepath.Join(bin, "python") + "\nimport sys\nfrom keyring.cli import main\nsys.exit(main())\n"
	if err := os.WriteFile(filepath.Join(bin, "keyring"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	te.set("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	te.setWired("pip", true)
	link := KeyringLink{Users: []string{"pip"}}
	// The fix is the exact command for that venv.
	if r := link.Check(te.Env); r.Wired || len(r.at(Problem)) != 1 || !strings.Contains(r.at(Problem)[0], filepath.Join(bin, "python")+" -m pip install git-credential-ppm") {
		t.Fatalf("a venv keyring without our backend: %+v", r)
	}
	te.installWheel(filepath.Join(bin, "python"))
	r := link.Check(te.Env)
	if !r.Wired || len(r.at(OK)) != 1 || !strings.Contains(r.at(OK)[0], "with the git-credential-ppm backend") {
		t.Errorf("a venv keyring with our backend: %+v", r)
	}
}
