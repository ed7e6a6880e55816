package clients

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Pip wires pip: `keyring-provider = subprocess` in the user's pip config,
// so that after a 401 pip runs the `keyring` command (our link).
type Pip struct{}

// Name is "pip".
func (Pip) Name() string { return "pip" }

// pipMinKeyringProvider is the first pip that reads keyring-provider
// (23.1); older ones ignore it and never ask a `keyring` command.
var pipMinKeyringProvider = [2]int{23, 1}

// pipConfigPath is the user config file pip reads: PIP_CONFIG_FILE, else
// the per-user file (XDG on Unix, %APPDATA% on Windows, pip's macOS
// directory when it exists).
func pipConfigPath(e *Env) string {
	if p := e.Getenv("PIP_CONFIG_FILE"); p != "" && p != os.DevNull {
		return p
	}
	if runtime.GOOS == "darwin" {
		mac := filepath.Join(e.Home, "Library", "Application Support", "pip")
		if fi, err := os.Stat(mac); err == nil && fi.IsDir() {
			return filepath.Join(mac, "pip.conf")
		}
		return filepath.Join(e.Home, ".config", "pip", "pip.conf")
	}
	if runtime.GOOS == "windows" && e.Getenv("APPDATA") != "" {
		return filepath.Join(e.configDir(), "pip", "pip.ini")
	}
	return filepath.Join(e.configDir(), "pip", "pip.conf")
}

func (Pip) line(e *Env) configLine {
	return configLine{client: "pip", path: pipConfigPath(e), section: "global", key: "keyring-provider", line: "keyring-provider = subprocess"}
}

// Apply writes keyring-provider = subprocess into [global].
func (p Pip) Apply(s *Session) (bool, error) { return p.line(s.Env).apply(s) }

// Undo restores or removes the line setup wrote.
func (Pip) Undo(s *Session) error { return undoLines(s, "pip") }

// Hints: pip 23.1–26.1 asks keyring only for a user it knows, so the
// index URL needs __token__@.
func (Pip) Hints(e *Env) []string {
	if len(e.Addresses) == 0 || strings.Contains(strings.ToLower(e.Getenv("PIP_INDEX_URL")), "__token__@") {
		return nil
	}
	return []string{"pip: point your index at Package Manager with the user __token__, e.g. pip config set global.index-url " + indexURL(e)}
}

func indexURL(e *Env) string {
	raw := strings.TrimRight(e.Addresses[0].Raw, "/")
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[:i+3] + "__token__@" + raw[i+3:]
	}
	return raw + "/pypi-auth/latest/simple/"
}

// pipInstall is one pip found: how it is run, its version, where it lives.
type pipInstall struct {
	argv     []string // e.g. python3 -m pip
	name     string   // argv as a person types it
	version  string
	location string
}

// old reports whether this pip ignores keyring-provider.
func (p pipInstall) old() bool {
	return versionBefore(p.version, pipMinKeyringProvider)
}

// findPips runs `python3 -m pip --version`, `pip --version` and
// `pip3 --version` from the injected PATH and returns each distinct pip,
// and the errors of those that did not finish in time.
func findPips(e *Env) (pips []pipInstall, hung []error) {
	var cands [][]string
	if py := e.LookPath("python3"); py != "" {
		cands = append(cands, []string{py, "-m", "pip"})
	}
	for _, n := range []string{"pip", "pip3"} {
		if p := e.LookPath(n); p != "" {
			cands = append(cands, []string{p})
		}
	}
	// Each pip is a Python start of its own: ask them all at once.
	answers := make([][]byte, len(cands))
	errs := make([]error, len(cands))
	var wg sync.WaitGroup
	for i, argv := range cands {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = e.output(argv[0], append(argv[1:], "--version")...)
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, argv := range cands {
		if errors.Is(errs[i], errTimedOut) {
			hung = append(hung, errs[i])
			continue
		}
		v, loc, ok := parsePipVersion(string(answers[i]))
		if !ok || seen[loc] {
			continue
		}
		seen[loc] = true
		name := argv[0]
		if len(argv) > 1 {
			name = strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:]...), " ")
		}
		pips = append(pips, pipInstall{argv: argv, name: name, version: v, location: loc})
	}
	return pips, hung
}

// parsePipVersion reads "pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)".
func parsePipVersion(s string) (version, location string, ok bool) {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	rest, ok := strings.CutPrefix(s, "pip ")
	if !ok {
		return "", "", false
	}
	version, rest, ok = strings.Cut(rest, " from ")
	if !ok || version == "" {
		return "", "", false
	}
	if i := strings.LastIndex(rest, " (python"); i >= 0 {
		rest = rest[:i]
	}
	return version, rest, true
}

// versionBefore reports whether a dotted version (23.0.1, 24.1b1) is
// older than min (major, minor). Unreadable versions are not "before".
func versionBefore(v string, min [2]int) bool {
	if _, ok := parseVersion(v); !ok {
		return false
	}
	return compareVersions(v, strconv.Itoa(min[0])+"."+strconv.Itoa(min[1])) < 0
}

// Check: pip's own `config list` says keyring-provider = subprocess, and
// every pip found is new enough to read it.
func (p Pip) Check(e *Env) Report {
	var r Report
	pips, hung := findPips(e)
	for _, err := range hung {
		r.add(Note, "pip: %v", err)
	}
	if len(pips) == 0 {
		if len(hung) == 0 {
			r.add(Note, "pip: not installed (skipped)")
		}
		return r
	}
	first := pips[0]
	out, err := e.output(first.argv[0], append(first.argv[1:], "config", "list")...)
	r.Wired = err == nil && strings.Contains(string(out), "keyring-provider='subprocess'")
	switch {
	case err != nil:
		r.add(Note, "pip: cannot read pip's configuration (%v); run `%s config list` to see why", err, first.name)
	case r.Wired && first.old():
		r.add(OK, "pip: keyring-provider = subprocess in pip's configuration")
	case r.Wired:
		r.add(OK, "pip: keyring-provider = subprocess (%s is pip %s)", first.name, first.version)
	default:
		r.add(Unwired, "pip: keyring-provider is not subprocess; run `git-credential-ppm setup` (or pip config set global.keyring-provider subprocess)")
	}
	for _, pi := range pips {
		if !pi.old() {
			continue
		}
		level := Note
		if r.Wired {
			level = Problem
		}
		r.add(level, "pip: %s is pip %s (%s), older than 23.1, and ignores keyring-provider, so it never asks this helper; use a newer pip, e.g. in a venv: python3 -m venv ~/.venv && ~/.venv/bin/pip install --upgrade pip", pi.name, pi.version, pi.location)
	}
	return r
}
