package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// setupState records what setup changed, so that `setup --remove` undoes
// exactly that and nothing else. It lives beside tokens.toml (0600).
type setupState struct {
	GitHelpers []gitHelperChange `json:"git_helpers,omitempty"`
	Files      []fileChange      `json:"files,omitempty"`
	Link       string            `json:"link,omitempty"`
}

type gitHelperChange struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// fileChange is one key setup wrote into a config file; Previous is the
// line it replaced ("" when setup added the line).
type fileChange struct {
	Client   string `json:"client"`
	Path     string `json:"path"`
	Line     string `json:"line"`
	Previous string `json:"previous,omitempty"`
	// Section is the [section] header setup added with the line ("" when
	// the section was there already or for TOML's top level).
	Section string `json:"section,omitempty"`
	// Created: the file did not exist before setup.
	Created bool `json:"created,omitempty"`
}

// setupCtx carries what setup needs to look at.
type setupCtx struct {
	e      *invocation
	dryRun bool
	home   string
	self   string // our executable
	state  setupState
	path   string // state file
	dirty  bool   // state changed and must be saved
	out    []string
}

func (s *setupCtx) say(format string, args ...any) {
	s.out = append(s.out, fmt.Sprintf(format, args...))
}

func runSetup(e *invocation, args []string) int {
	fs := newFlags(e, "setup")
	dry := fs.Bool("dry-run", false, "show the changes without making them")
	remove := fs.Bool("remove", false, "undo what setup did")
	if code := parseFlags(e, fs, args); code >= 0 {
		return code
	}
	if code := extraArguments(e, fs, 0); code >= 0 {
		return code
	}
	s, err := newSetupCtx(e, *dry)
	if err != nil {
		e.errorf("setup: %v", err)
		return 1
	}
	if *remove {
		err = s.remove()
	} else {
		err = s.apply()
	}
	for _, line := range s.out {
		fmt.Fprintln(e.stdout, line)
	}
	if err != nil {
		e.errorf("setup: %v", err)
		return 1
	}
	return 0
}

func newSetupCtx(e *invocation, dry bool) (*setupCtx, error) {
	home := homeDir(e)
	if home == "" {
		return nil, errors.New("cannot find the home directory (HOME unset)")
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find this program's own path: %w", err)
	}
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	tp, err := e.tokensPath()
	if err != nil {
		return nil, err
	}
	s := &setupCtx{e: e, dryRun: dry, home: home, self: self, path: filepath.Join(filepath.Dir(tp), "setup.json")}
	if b, err := os.ReadFile(s.path); err == nil {
		if err := json.Unmarshal(b, &s.state); err != nil {
			return nil, fmt.Errorf("%s is damaged (%v); remove it and run setup again", s.path, err)
		}
	}
	return s, nil
}

func homeDir(e *invocation) string {
	if runtime.GOOS == "windows" {
		if h := e.getenv("USERPROFILE"); h != "" {
			return h
		}
	}
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func (s *setupCtx) apply() error {
	list, err := s.e.addresses()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return errNoAddress
	}
	// Whatever happens below, record what was changed so far, so that
	// --remove can undo a half-finished setup.
	defer func() {
		if s.dirty {
			if err := s.save(); err != nil {
				s.say("warning: cannot record what setup changed in %s (%v); setup --remove will not know it", s.path, err)
			}
		}
	}()
	changed := false
	for _, a := range list {
		c, err := s.gitHelper(strings.TrimRight(a.Raw, "/"))
		if err != nil {
			return err
		}
		changed = changed || c
	}
	for _, f := range []struct {
		client, path, key, line string
		section                 string
	}{
		{"pip", pipConfigPath(s.e, s.home), "keyring-provider", "keyring-provider = subprocess", "global"},
		{"uv", uvConfigPath(s.e, s.home), "keyring-provider", `keyring-provider = "subprocess"`, ""},
	} {
		c, err := s.configLine(f.client, f.path, f.section, f.key, f.line)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	c, err := s.keyringLink()
	if err != nil {
		return err
	}
	changed = changed || c
	if !changed {
		s.say("Nothing to change: git, pip, uv and the keyring link are already set up.")
		return nil
	}
	if s.dryRun {
		s.say("(dry run: nothing was changed)")
		return nil
	}
	index := withTokenUser(list[0].Raw) + "/pypi/latest/simple/"
	if !strings.Contains(strings.ToLower(s.e.getenv("PIP_INDEX_URL")), "__token__@") {
		s.say("pip: point your index at Package Manager with the user __token__, e.g. pip config set global.index-url %s", index)
	}
	s.say("uv: name the index with the user __token__ too, e.g. export UV_DEFAULT_INDEX=%s (or set authenticate = \"always\" on the [[index]])", index)
	s.say("Undo with: git-credential-ppm setup --remove")
	return nil
}

func withTokenUser(raw string) string {
	raw = strings.TrimRight(raw, "/")
	if i := strings.Index(raw, "://"); i >= 0 {
		return raw[:i+3] + "__token__@" + raw[i+3:]
	}
	return raw
}

func (s *setupCtx) save() error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(s.state, "", "  ")
	return writeFileAtomic(s.path, b)
}

// gitHelperValue is what git should run: `ppm` (git credential-ppm, found
// on PATH) when our binary is the git-credential-ppm on PATH, else our
// absolute path.
func (s *setupCtx) gitHelperValue() string {
	if p, err := exec.LookPath("git-credential-ppm"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil && r == s.self {
			return "ppm"
		}
	}
	return filepath.ToSlash(s.self)
}

func (s *setupCtx) gitHelper(url string) (bool, error) {
	git, err := exec.LookPath("git")
	if err != nil {
		s.say("git: not installed; skipped")
		return false, nil
	}
	key := "credential." + url + ".helper"
	value := s.gitHelperValue()
	out, _ := exec.Command(git, "config", "--global", "--get-all", key).Output()
	for _, v := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if v == value || v == "ppm" || v == filepath.ToSlash(s.self) {
			s.say("git: %s = %s (unchanged)", key, v)
			return false, nil
		}
	}
	s.say("git: set %s = %s", key, value)
	if s.dryRun {
		return true, nil
	}
	if b, err := exec.Command(git, "config", "--global", "--add", key, value).CombinedOutput(); err != nil {
		return false, fmt.Errorf("git config --global --add %s failed: %v: %s", key, err, bytes.TrimSpace(b))
	}
	s.state.GitHelpers = append(s.state.GitHelpers, gitHelperChange{key, value})
	s.dirty = true
	return true, nil
}

// pipConfigPath is the user config file pip reads: PIP_CONFIG_FILE, else
// the per-user file (XDG on Unix, %APPDATA% on Windows).
func pipConfigPath(e *invocation, home string) string {
	if p := e.getenv("PIP_CONFIG_FILE"); p != "" && p != os.DevNull {
		return p
	}
	switch runtime.GOOS {
	case "windows":
		if a := e.getenv("APPDATA"); a != "" {
			return filepath.Join(a, "pip", "pip.ini")
		}
	case "darwin":
		// pip's appdirs: ~/Library/Application Support/pip when that
		// directory exists, else ~/.config/pip.
		mac := filepath.Join(home, "Library", "Application Support", "pip")
		if fi, err := os.Stat(mac); err == nil && fi.IsDir() {
			return filepath.Join(mac, "pip.conf")
		}
		return filepath.Join(home, ".config", "pip", "pip.conf")
	}
	if x := e.getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "pip", "pip.conf")
	}
	return filepath.Join(home, ".config", "pip", "pip.conf")
}

// uvConfigPath is uv's user-level uv.toml.
func uvConfigPath(e *invocation, home string) string {
	if runtime.GOOS == "windows" {
		if a := e.getenv("APPDATA"); a != "" {
			return filepath.Join(a, "uv", "uv.toml")
		}
	}
	if x := e.getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "uv", "uv.toml")
	}
	return filepath.Join(home, ".config", "uv", "uv.toml")
}

// configLine makes `key = …` in section (INI, "" = TOML top level) read
// line, keeping everything else in the file.
func (s *setupCtx) configLine(client, path, section, key, line string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("reading %s: %w", path, err)
	}
	lines := splitLines(string(b))
	idx, insertAt := findKey(lines, section, key)
	var prev, addedSection string
	created := errors.Is(err, os.ErrNotExist)
	switch {
	case idx >= 0 && strings.TrimSpace(lines[idx]) == line:
		s.say("%s: %s has %s (unchanged)", client, path, line)
		return false, nil
	case idx >= 0:
		prev = lines[idx]
		lines[idx] = line
		s.say("%s: %s: %s → %s", client, path, strings.TrimSpace(prev), line)
	case insertAt >= 0:
		lines = append(lines[:insertAt], append([]string{line}, lines[insertAt:]...)...)
		s.say("%s: %s: add %s", client, path, line)
	default:
		if section != "" {
			if len(lines) > 0 && lines[len(lines)-1] != "" {
				lines = append(lines, "")
			}
			lines = append(lines, "["+section+"]")
			lines = append(lines, line)
			addedSection = section
		} else {
			lines = append([]string{line}, lines...)
		}
		s.say("%s: %s: add %s", client, path, line)
	}
	if s.dryRun {
		return true, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	if err := writeFileAtomic(path, []byte(strings.Join(lines, "\n")+"\n")); err != nil {
		return false, fmt.Errorf("writing %s: %w", path, err)
	}
	s.state.Files = append(s.state.Files, fileChange{Client: client, Path: path, Line: line, Previous: prev, Section: addedSection, Created: created})
	s.dirty = true
	return true, nil
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// findKey returns the line index of key inside section (or -1), and where
// to insert it: right after the section header, or -1 when the section is
// missing. section "" is the TOML top level (before the first table).
func findKey(lines []string, section, key string) (idx, insertAt int) {
	idx, insertAt = -1, -1
	in := section == ""
	if in {
		insertAt = 0
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			name := strings.Trim(t, "[] ")
			if section == "" {
				return idx, insertAt
			}
			in = strings.EqualFold(name, section)
			if in {
				insertAt = i + 1
			}
			continue
		}
		if !in {
			continue
		}
		k, _, ok := strings.Cut(t, "=")
		if ok && strings.TrimSpace(k) == key {
			return i, insertAt
		}
	}
	return idx, insertAt
}

// keyringLinkDir picks where the `keyring` link goes: our own directory
// when it is on PATH (so the link sits beside us), else ~/.local/bin.
func (s *setupCtx) keyringLinkDir() (dir string, onPath bool) {
	own := filepath.Dir(s.self)
	for _, d := range filepath.SplitList(s.e.getenv("PATH")) {
		if d != "" && filepath.Clean(d) == own {
			return own, true
		}
	}
	local := filepath.Join(s.home, ".local", "bin")
	for _, d := range filepath.SplitList(s.e.getenv("PATH")) {
		if filepath.Clean(d) == local {
			return local, true
		}
	}
	return local, false
}

func keyringName() string {
	if runtime.GOOS == "windows" {
		return "keyring.exe" // uv's process spawning finds only .exe
	}
	return "keyring"
}

func (s *setupCtx) isOurs(path string) bool {
	r, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	if r == s.self {
		return true
	}
	a, err1 := os.Stat(r)
	b, err2 := os.Stat(s.self)
	if err1 != nil || err2 != nil {
		return false
	}
	if os.SameFile(a, b) {
		return true
	}
	// A copy (Windows without symlink or hard-link rights): same bytes.
	if a.Size() != b.Size() {
		return false
	}
	x, err1 := os.ReadFile(r)
	y, err2 := os.ReadFile(s.self)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func (s *setupCtx) keyringLink() (bool, error) {
	dir, onPath := s.keyringLinkDir()
	link := filepath.Join(dir, keyringName())
	changed := false
	switch {
	case s.isOurs(link):
		s.say("keyring: %s → %s (unchanged)", link, s.self)
	case fileExists(link):
		return false, fmt.Errorf("%s exists and is not this helper (a Python keyring?); remove it or put this helper's link earlier on PATH", link)
	default:
		s.say("keyring: link %s → %s", link, s.self)
		changed = true
		if !s.dryRun {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return false, err
			}
			if err := makeLink(s.self, link); err != nil {
				return false, fmt.Errorf("cannot create %s: %w", link, err)
			}
			s.state.Link = link
			s.dirty = true
		}
	}
	if !onPath {
		s.say("keyring: %s is not on PATH; add it (e.g. export PATH=\"%s:$PATH\") so pip and uv find `keyring`", dir, dir)
	}
	if onPath {
		if other := s.shadowingKeyring(dir); other != "" {
			s.say("keyring: warning: %s comes earlier on PATH than %s and shadows it (a Python keyring?); pip and uv will run that one — put %s first on PATH, or uninstall it", other, link, dir)
		}
	}
	return changed, nil
}

// shadowingKeyring returns a `keyring` that is not this helper and sits in
// a PATH directory before dir (where pip's shutil.which and uv would find
// it first), or "".
func (s *setupCtx) shadowingKeyring(dir string) string {
	for _, d := range filepath.SplitList(s.e.getenv("PATH")) {
		if d == "" {
			continue
		}
		if filepath.Clean(d) == dir {
			return ""
		}
		p := filepath.Join(d, keyringName())
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && (runtime.GOOS == "windows" || fi.Mode()&0o111 != 0) && !s.isOurs(p) {
			return p
		}
	}
	return ""
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

func (s *setupCtx) remove() error {
	st := s.state
	if len(st.GitHelpers) == 0 && len(st.Files) == 0 && st.Link == "" {
		s.say("Nothing to remove: setup has not changed anything here (%s).", s.path)
		return nil
	}
	if git, err := exec.LookPath("git"); err == nil {
		for _, g := range st.GitHelpers {
			s.say("git: unset %s = %s", g.Key, g.Value)
			if !s.dryRun {
				if b, err := exec.Command(git, "config", "--global", "--fixed-value", "--unset-all", g.Key, g.Value).CombinedOutput(); err != nil && len(bytes.TrimSpace(b)) > 0 {
					return fmt.Errorf("git config --unset-all %s: %s", g.Key, bytes.TrimSpace(b))
				}
			}
		}
	}
	for i := len(st.Files) - 1; i >= 0; i-- {
		if err := s.undoFile(st.Files[i]); err != nil {
			return err
		}
	}
	if st.Link != "" && s.isOurs(st.Link) {
		s.say("keyring: remove %s", st.Link)
		if !s.dryRun {
			if err := os.Remove(st.Link); err != nil {
				return err
			}
		}
	}
	if s.dryRun {
		s.say("(dry run: nothing was changed)")
		return nil
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s.say("Done: what setup changed is undone.")
	return nil
}

// undoFile takes back one line setup wrote: restores the line it replaced
// or removes it, then the section header it added if the section is now
// empty, then the file if setup created it and nothing else is in it.
func (s *setupCtx) undoFile(f fileChange) error {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", f.Path, err)
	}
	lines := splitLines(string(b))
	found := false
	for j, l := range lines {
		if strings.TrimSpace(l) != f.Line {
			continue
		}
		found = true
		if f.Previous != "" {
			lines[j] = f.Previous
			s.say("%s: %s: restore %s", f.Client, f.Path, strings.TrimSpace(f.Previous))
		} else {
			lines = append(lines[:j], lines[j+1:]...)
			s.say("%s: %s: remove %s", f.Client, f.Path, f.Line)
		}
		break
	}
	if !found {
		s.say("%s: %s no longer has %s (left as it is)", f.Client, f.Path, f.Line)
		return nil
	}
	if f.Section != "" {
		lines = dropEmptySection(lines, f.Section)
	}
	if s.dryRun {
		return nil
	}
	if f.Created && len(lines) == 0 {
		s.say("%s: remove %s (setup created it)", f.Client, f.Path)
		return os.Remove(f.Path)
	}
	return writeFileAtomic(f.Path, []byte(strings.Join(lines, "\n")+"\n"))
}

// dropEmptySection removes a [section] header with nothing under it, and
// the blank line setup put before it.
func dropEmptySection(lines []string, section string) []string {
	for i, l := range lines {
		if !strings.EqualFold(strings.TrimSpace(l), "["+section+"]") {
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[j]), "[") {
			return lines // the section still has keys
		}
		start := i
		if start > 0 && strings.TrimSpace(lines[start-1]) == "" {
			start--
		}
		return append(lines[:start], lines[i+1:]...)
	}
	return lines
}

// writeFileAtomic replaces path through a temporary file in its directory,
// keeping an existing file's mode (0600 for a new one).
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// fileExists reports whether something (even a dangling link) is at p.
func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
