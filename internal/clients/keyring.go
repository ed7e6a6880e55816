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

// Apply makes the link where planLink says, unless one of ours (or a
// Python keyring with our backend) is there already. What stands in the
// way is one line of the dry run that precedes every setup, so nothing is
// written then.
func (k KeyringLink) Apply(s *Session) (bool, error) {
	p := s.planLink()
	changed := false
	switch {
	case p.Served != "":
		s.Say("keyring: %s is a Python keyring with the git-credential-ppm backend, which answers for Package Manager (unchanged)", p.Served)
	case p.Ours:
		s.Say("keyring: %s → %s (unchanged)", p.Link, s.Self)
	case p.Blocked != "":
		return false, s.block("keyring: %s", p.Blocked)
	default:
		s.Say("keyring: link %s → %s", p.Link, s.Self)
		changed = true
		if !s.DryRun {
			if err := os.MkdirAll(p.Dir, 0o755); err != nil {
				return false, fmt.Errorf("cannot create %s (%w); check its permissions", p.Dir, err)
			}
			if err := makeLink(s.Self, p.Link); err != nil {
				return false, fmt.Errorf("cannot create %s (%w); check the directory's permissions", p.Link, err)
			}
			s.record(func(st *State) { st.Link = p.Link })
		}
	}
	if !p.OnPath {
		s.Say("keyring: %s is not on PATH, so pip and uv do not find the link; %s", p.Dir, s.pathAdvice(p.Dir))
	} else if other := s.keyringBefore(p.Dir); other != "" && p.Served == "" {
		s.Say("keyring: warning: %s comes earlier on PATH than %s and shadows it (a Python keyring?); pip and uv will run that one — put %s first on PATH, or uninstall it", other, p.Link, p.Dir)
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

// Check: the `keyring` pip and uv would run is this program (or a Python
// keyring with our backend). Otherwise it says what setup would do or what
// stops it — from the same plan as Apply.
func (k KeyringLink) Check(e *Env) Report {
	var r Report
	p := e.planLink()
	first := e.firstKeyring()
	switch {
	case p.Served != "":
		r.Wired = true
		r.add(OK, "pip/uv: `keyring` on PATH is %s, a Python keyring with the git-credential-ppm backend, which answers for Package Manager", p.Served)
		return r
	case p.Ours && first == p.Link:
		r.Wired = true
		r.add(OK, "pip/uv: `keyring` on PATH is this helper (%s)", first)
		return r
	case p.Ours && !p.OnPath:
		r.Wired = true
		r.add(Problem, "pip/uv: the keyring link %s is in %s, which is not on PATH, so pip and uv do not find it; %s", p.Link, p.Dir, e.pathAdvice(p.Dir))
		return r
	}
	level := Unwired
	for _, u := range k.Users {
		if e.Wired(u) {
			level = Problem
		}
	}
	switch {
	case p.Ours:
		r.Wired = true
		fix := "put " + p.Dir + " earlier on PATH than " + filepath.Dir(first)
		if isPythonScript(first) {
			fix += pythonKeyringFix(e, first)
		}
		r.add(Problem, "pip/uv: `keyring` on PATH is %s, not this helper, and shadows the link %s; %s", describeKeyring(first), p.Link, fix)
	case p.Blocked != "":
		r.add(level, "pip/uv: no `keyring` of this helper on PATH, and setup cannot add one: %s", p.Blocked)
	default:
		what := "no `keyring` on PATH"
		if first != "" {
			what = "`keyring` on PATH is " + describeKeyring(first) + ", not this helper, so pip and uv get no token from it"
		}
		fix := "run `git-credential-ppm setup` (it puts the link in " + p.Dir + ")"
		if !p.OnPath {
			fix += "; " + p.Dir + " is not on PATH: " + e.pathAdvice(p.Dir)
		}
		if first != "" && isPythonScript(first) {
			fix += pythonKeyringFix(e, first)
		}
		r.add(level, "pip/uv: %s; %s", what, fix)
	}
	return r
}
