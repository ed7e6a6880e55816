package clients

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/posit-dev/git-credential-ppm/internal/pathlook"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeyringLink puts a `keyring` (a link to this program) on PATH, where
// pip's and uv's subprocess keyring providers look for it. Users are the
// clients that run it: its absence is a problem only when one of them is
// wired.
type KeyringLink struct {
	Users []string
}

// Name is "keyring".
func (KeyringLink) Name() string { return "keyring" }

// KeyringName is the command pip and uv run: keyring.exe on Windows, where
// uv's process spawning finds only .exe files.
func KeyringName() string {
	if runtime.GOOS == "windows" {
		return "keyring.exe"
	}
	return "keyring"
}

// IsOurs reports whether the file at path runs this program (self): the
// same file through links, a hard link, or a copy with the same bytes
// (Windows without the right to make links). Setup and doctor both ask
// this, so they agree on what "this helper" is.
func IsOurs(path, self string) bool {
	r, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	if r == self {
		return true
	}
	a, err1 := os.Stat(r)
	b, err2 := os.Stat(self)
	if err1 != nil || err2 != nil || a.IsDir() {
		return false
	}
	if os.SameFile(a, b) {
		return true
	}
	if a.Size() != b.Size() {
		return false
	}
	x, err1 := os.ReadFile(r)
	y, err2 := os.ReadFile(self)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// linkDir picks where the link goes: this program's own directory when it
// is on PATH (so the link sits beside it), else ~/.local/bin.
func (e *Env) linkDir() (dir string, onPath bool) {
	own := filepath.Dir(e.Self)
	local := filepath.Join(e.Home, ".local", "bin")
	dirs := e.pathDirs()
	for _, want := range []string{own, local} {
		for _, d := range dirs {
			if d == want {
				return want, true
			}
		}
	}
	return local, false
}

// firstKeyring is the `keyring` pip's shutil.which and uv would run: the
// first on the injected PATH, or "".
func (e *Env) firstKeyring() string { return e.LookPath(KeyringName()) }

// keyringBefore returns a `keyring` that is not this program in a PATH
// directory before dir, or "".
func (e *Env) keyringBefore(dir string) string {
	for _, d := range e.pathDirs() {
		if d == dir {
			return ""
		}
		if p := pathlook.In(d, KeyringName(), ""); p != "" && !IsOurs(p, e.Self) {
			return p
		}
	}
	return ""
}

// isPythonScript reports whether path starts with a #! line naming python
// (a Python keyring CLI).
func isPythonScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	return strings.HasPrefix(line, "#!") && strings.Contains(line, "python")
}

// hasOurBackend reports whether a Python keyring CLI lists the backend
// of our wheel (installed in its environment, it answers for Package
// Manager by running this program).
func hasOurBackend(e *Env, keyring string) bool {
	out, err := e.output(keyring, "--list-backends")
	return err == nil && strings.Contains(string(out), "git_credential_ppm")
}

// describeKeyring names a foreign keyring for a person.
func describeKeyring(p string) string {
	if isPythonScript(p) {
		return p + " (a Python keyring: every venv with twine has one)"
	}
	return p
}

// Apply makes the link, unless one of ours is there already.
func (k KeyringLink) Apply(s *Session) (bool, error) {
	dir, onPath := s.linkDir()
	link := filepath.Join(dir, KeyringName())
	changed := false
	switch {
	case IsOurs(link, s.Self):
		s.Say("keyring: %s → %s (unchanged)", link, s.Self)
	case exists(link):
		return false, fmt.Errorf("%s exists and is not this helper (a Python keyring?); remove it or put this helper's link earlier on PATH", link)
	default:
		s.Say("keyring: link %s → %s", link, s.Self)
		changed = true
		if !s.DryRun {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return false, fmt.Errorf("cannot create %s (%w); check its permissions", dir, err)
			}
			if err := makeLink(s.Self, link); err != nil {
				return false, fmt.Errorf("cannot create %s (%w); check the directory's permissions", link, err)
			}
			s.record(func(st *State) { st.Link = link })
		}
	}
	if !onPath {
		s.Say("keyring: %s is not on PATH; add it (e.g. export PATH=\"%s:$PATH\") so pip and uv find `keyring`", dir, dir)
	} else if other := s.keyringBefore(dir); other != "" {
		s.Say("keyring: warning: %s comes earlier on PATH than %s and shadows it (a Python keyring?); pip and uv will run that one — put %s first on PATH, or uninstall it", other, link, dir)
	}
	return changed, nil
}

// makeLink links link to target: a symlink, else (Windows without the
// privilege) a hard link, else a copy.
func makeLink(target, link string) error {
	if err := os.Symlink(target, link); err == nil {
		return nil
	}
	if err := os.Link(target, link); err == nil {
		return nil
	}
	b, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	return os.WriteFile(link, b, 0o755)
}

// Undo removes the link setup made, if it is still ours.
func (KeyringLink) Undo(s *Session) error {
	link := s.State.Link
	if link == "" || !IsOurs(link, s.Self) {
		return nil
	}
	s.Say("keyring: remove %s", link)
	if s.DryRun {
		return nil
	}
	if err := os.Remove(link); err != nil {
		return fmt.Errorf("cannot remove %s (%w); remove it by hand", link, err)
	}
	s.State.Link = ""
	return nil
}

// Check: the `keyring` pip and uv would run is this program.
func (k KeyringLink) Check(e *Env) Report {
	var r Report
	first := e.firstKeyring()
	if first != "" && IsOurs(first, e.Self) {
		r.Wired = true
		r.add(OK, "pip/uv: `keyring` on PATH is this helper (%s)", first)
		return r
	}
	if first != "" && isPythonScript(first) && hasOurBackend(e, first) {
		r.Wired = true
		r.add(OK, "pip/uv: `keyring` on PATH is %s, a Python keyring with the git-credential-ppm backend, which answers for Package Manager", first)
		return r
	}
	level := Unwired
	for _, u := range k.Users {
		if e.Wired(u) {
			level = Problem
		}
	}
	dir, onPath := e.linkDir()
	fix := "run `git-credential-ppm setup` (it says where the link goes)"
	if ours := filepath.Join(dir, KeyringName()); onPath && IsOurs(ours, e.Self) {
		fix = "put " + dir + " earlier on PATH than " + filepath.Dir(first)
	}
	if first == "" {
		r.add(level, "pip/uv: no `keyring` on PATH; %s", fix)
		return r
	}
	if isPythonScript(first) {
		fix += pythonKeyringFix(e, first)
	}
	r.add(level, "pip/uv: `keyring` on PATH is %s, not this helper, so pip and uv get no token from it; %s", describeKeyring(first), fix)
	return r
}
