package clients

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Where the `keyring` link goes. Setup (Apply) and doctor (Check) both ask
// planLink, so they say the same thing in every case.

// linkPlan is where the keyring link is or goes, and what stands in the way.
type linkPlan struct {
	// Dir is the directory of the link.
	Dir string
	// Link is the link's path (Dir/keyring).
	Link string
	// Ours: a `keyring` of this helper is at Link already (setup's, or one
	// the person made by hand).
	Ours bool
	// Served: the first `keyring` on PATH is a Python keyring with our
	// wheel's backend, which answers for Package Manager: no link needed.
	Served string
	// Blocked says, in one sentence, why no link can go to Dir and what to
	// do; "" when it can.
	Blocked string
	// OnPath: Dir is on PATH.
	OnPath bool
}

// planLink decides where the keyring link goes: where a `keyring` of ours
// already is; else beside this program when that directory is the
// person's (see usersDir), on PATH, and holds no other `keyring` (Debian's
// python3-keyring puts one in /usr/bin, where the .deb puts this program);
// else the per-user bin directory (userBinDir). A file that is not ours is
// never replaced: a foreign `keyring` in the per-user directory blocks the
// link.
func (e *Env) planLink() linkPlan {
	name := KeyringName()
	if first := e.firstKeyring(); first != "" {
		if IsOurs(first, e.Self) {
			return linkPlan{Dir: filepath.Dir(first), Link: first, Ours: true, OnPath: true}
		}
		if isPythonScript(first) && hasOurBackend(e, first) {
			return linkPlan{Dir: filepath.Dir(first), Link: first, Served: first, OnPath: true}
		}
	}
	own, user := filepath.Dir(e.Self), e.userBinDir()
	// A link of ours already in one of the two places (its directory may
	// be off PATH, or shadowed): that is the one.
	for _, d := range []string{own, user} {
		if l := filepath.Join(d, name); IsOurs(l, e.Self) {
			return linkPlan{Dir: d, Link: l, Ours: true, OnPath: e.onPath(d)}
		}
	}
	dir := user
	if e.onPath(own) && !exists(filepath.Join(own, name)) && e.usersDir(own) == nil {
		dir = own
	}
	p := linkPlan{Dir: dir, Link: filepath.Join(dir, name), OnPath: e.onPath(dir)}
	switch {
	case exists(p.Link):
		fix := "remove or rename it if you do not need it, or make a link to this helper yourself in a directory earlier on PATH (ln -s " + e.Self + " DIR/keyring)"
		if isPythonScript(p.Link) {
			fix = "install the git-credential-ppm wheel into the Python environment it belongs to (its keyring then answers for Package Manager), or remove it if you do not need it"
		}
		p.Blocked = fmt.Sprintf("%s already exists and is not this helper (%s); setup does not replace it: %s, then run setup again", p.Link, describeKeyring(p.Link), fix)
	default:
		if err := writable(dir); err != nil {
			p.Blocked = fmt.Sprintf("cannot put the keyring link in %s: %v; make it yours (or set XDG_BIN_HOME to a directory that is) and run setup again", dir, err)
		}
	}
	return p
}

// onPath reports whether dir is one of the injected PATH's directories.
func (e *Env) onPath(dir string) bool {
	for _, d := range e.pathDirs() {
		if sameDir(d, dir) {
			return true
		}
	}
	return false
}

// userBinDir is the person's own directory for commands: on Windows
// %LOCALAPPDATA%\Programs\git-credential-ppm (where install.ps1 puts this
// program); elsewhere $XDG_BIN_HOME when it is absolute (as uv and pipx
// honour it), else ~/.local/bin (the XDG base directory specification's
// place for user executables, which systemd's file hierarchy and
// Debian's and Ubuntu's default ~/.profile put on PATH).
func (e *Env) userBinDir() string {
	if runtime.GOOS == "windows" {
		base := e.Getenv("LOCALAPPDATA")
		if base == "" {
			base = filepath.Join(e.Home, "AppData", "Local")
		}
		return filepath.Join(base, "Programs", "git-credential-ppm")
	}
	if d := e.Getenv("XDG_BIN_HOME"); d != "" && filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(e.Home, ".local", "bin")
}

// usersDir returns nil when dir is the person's own, else why not: on
// Unix, they can write to it (a package's /usr/bin is root's, not an
// unprivileged person's); on Windows, where that cannot be asked cheaply,
// it lies in their profile (winget's links, Scoop's shims, install.ps1's
// folder do; Program Files does not).
func (e *Env) usersDir(dir string) error {
	if runtime.GOOS == "windows" && !within(dir, e.Home) {
		return fmt.Errorf("%s is not in your profile", dir)
	}
	return writable(dir)
}

// within reports whether path lies inside dir (links resolved).
func within(path, dir string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// writable returns nil when this user can create or replace a file at
// path's place: path itself when it is a directory, else the directory it
// would go in — the nearest one that exists, since setup creates the rest
// (links followed: setup writes through them). The reason otherwise.
func writable(path string) error {
	p := path
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	for {
		fi, err := os.Stat(p)
		if err == nil && fi.IsDir() {
			break
		}
		if err == nil {
			p = filepath.Dir(p) // a file: it is replaced through its directory
			continue
		}
		parent := filepath.Dir(p)
		if parent == p {
			return fmt.Errorf("no directory of %s exists", path)
		}
		p = parent
	}
	if err := canWriteDir(p); err != nil {
		return fmt.Errorf("you cannot write to %s (%w)", p, err)
	}
	return nil
}

// pathAdvice is the one line that tells the person how to put dir on PATH
// for their shell, for setup and doctor alike. When the shell's startup
// file already adds dir (Debian's and Ubuntu's ~/.profile add ~/.local/bin
// once it exists), it says to open a new terminal instead.
func (e *Env) pathAdvice(dir string) string {
	if runtime.GOOS == "windows" {
		return fmt.Sprintf("add it for PowerShell: [Environment]::SetEnvironmentVariable('Path', '%s;' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User') (then open a new terminal)", strings.ReplaceAll(dir, "'", "''"))
	}
	spelled := dir
	if rel, err := filepath.Rel(e.Home, dir); err == nil && within(dir, e.Home) && rel != "." {
		spelled = "$HOME/" + filepath.ToSlash(rel)
	}
	shell := filepath.Base(e.Getenv("SHELL"))
	if shell == "fish" {
		return fmt.Sprintf("add it for fish: fish_add_path %s (then open a new terminal)", shQuote(dir))
	}
	rc := "~/.profile"
	switch shell {
	case "bash":
		rc = "~/.bashrc"
		if runtime.GOOS == "darwin" {
			rc = "~/.bash_profile"
		}
	case "zsh":
		rc = "~/.zshrc"
	}
	for _, f := range startupFiles(shell) {
		if addsToPath(filepath.Join(e.Home, f), dir, spelled) {
			return fmt.Sprintf("your ~/%s puts it on PATH in every new login shell (log in again, or a new SSH session); in this shell run export PATH=\"%s:$PATH\"", f, dqEscape(spelled))
		}
	}
	line := "export PATH=\"" + dqEscape(spelled) + ":$PATH\""
	return fmt.Sprintf("add it for %s: echo %s >> %s (then open a new terminal)", shellName(shell), shQuote(line), rc)
}

func shellName(shell string) string {
	if shell == "" || shell == "." || shell == "/" {
		return "your shell"
	}
	return shell
}

// startupFiles are the files (in HOME) a login shell of shell reads.
func startupFiles(shell string) []string {
	switch shell {
	case "bash":
		return []string{".bash_profile", ".bash_login", ".profile", ".bashrc"}
	case "zsh":
		return []string{".zprofile", ".zshrc", ".zshenv"}
	}
	return []string{".profile"}
}

// addsToPath reports whether the startup file at path names dir in a line
// that sets PATH (as Debian's ~/.profile does for "$HOME/.local/bin").
func addsToPath(path, dir, spelled string) bool {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 1<<20 {
		return false
	}
	forms := []string{dir, spelled, strings.Replace(spelled, "$HOME", "${HOME}", 1), strings.Replace(spelled, "$HOME", "~", 1)}
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") || !strings.Contains(t, "PATH") {
			continue
		}
		for _, f := range forms {
			if f != "" && strings.Contains(t, f) {
				return true
			}
		}
	}
	return false
}

// dqEscape escapes s for the inside of a double-quoted shell word, keeping
// a leading $HOME a variable.
func dqEscape(s string) string {
	rest, home := strings.CutPrefix(s, "$HOME")
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(rest)
	if home {
		return "$HOME" + r
	}
	return r
}

// shQuote quotes s as one single-quoted shell word.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
