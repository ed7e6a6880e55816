package clients

import (
	"path/filepath"
	"runtime"
	"strings"
)

// PositKeyring finds what posit-keyring, the Python keyring backend our
// users come from, left behind (docs/migrating-from-posit-keyring.md):
// PYTHON_KEYRING_BACKEND or keyringrc.cfg naming its backend (once it is
// uninstalled, keyring fails with "No module named 'posit_keyring'"),
// pip.conf's keyring_backend line its README suggested, and posit-keyring
// itself installed beside our backend. One line each, naming the fix;
// nothing when there is nothing to say.
type PositKeyring struct{ CheckOnly }

// Name is "posit-keyring".
func (PositKeyring) Name() string { return "posit-keyring" }

// ourBackend is our backend's name as keyring's PYTHON_KEYRING_BACKEND and
// keyringrc.cfg's default-keyring take it (module.Class).
const ourBackend = "git_credential_ppm.Keyring"

// isPositBackend reports whether a backend name is posit-keyring's.
func isPositBackend(name string) bool {
	return strings.HasPrefix(strings.TrimSpace(name), "posit_keyring")
}

// keyringConfigFile is Python keyring's keyringrc.cfg (keyring/util/
// platform_.py: %LOCALAPPDATA%\Python Keyring on Windows, else
// $XDG_CONFIG_HOME or ~/.config, then python_keyring — macOS too).
func keyringConfigFile(e *Env) string {
	if runtime.GOOS == "windows" {
		root := e.Getenv("LOCALAPPDATA")
		if root == "" {
			root = e.Getenv("ProgramData")
		}
		return filepath.Join(root, "Python Keyring", "keyringrc.cfg")
	}
	root := e.Getenv("XDG_CONFIG_HOME")
	if root == "" {
		root = filepath.Join(e.Home, ".config")
	}
	return filepath.Join(root, "python_keyring", "keyringrc.cfg")
}

// pipConfigFiles are the pip configuration files a person edits: the one
// PIP_CONFIG_FILE names, the per-user ones (pip's current and legacy
// locations) and the active virtual environment's.
func pipConfigFiles(e *Env) []string {
	files := []string{pipConfigPath(e)}
	name := "pip.conf"
	if runtime.GOOS == "windows" {
		name = "pip.ini"
		files = append(files, filepath.Join(e.Home, "pip", name))
	} else {
		files = append(files, filepath.Join(e.Home, ".pip", name))
	}
	if v := e.Getenv("VIRTUAL_ENV"); v != "" {
		files = append(files, filepath.Join(v, name))
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// iniValue returns the value of the first of keys set in section of an
// INI file (findKey's rules), and whether one is.
func iniValue(path, section string, keys ...string) (value string, ok bool) {
	lines, _, err := readLines(path)
	if err != nil {
		return "", false
	}
	for _, k := range keys {
		if i, _ := findKey(lines, section, k); i >= 0 {
			_, v, _ := strings.Cut(lines[i], "=")
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// Check reports each leftover with its fix.
func (PositKeyring) Check(e *Env) Report {
	var r Report
	if v := strings.TrimSpace(e.Getenv("PYTHON_KEYRING_BACKEND")); v != "" && v != ourBackend {
		level, why := Note, "so Python's keyring asks only that backend, never ours"
		if isPositBackend(v) {
			level, why = Problem, "posit-keyring's backend, which keyring fails to import once posit-keyring is gone"
		}
		r.add(level, "posit-keyring: PYTHON_KEYRING_BACKEND=%s is set (%s); remove it from your shell profile (unset PYTHON_KEYRING_BACKEND), or set it to %s", v, why, ourBackend)
	}
	if cfg := keyringConfigFile(e); exists(cfg) {
		if v, ok := iniValue(cfg, "backend", "default-keyring"); ok && v != ourBackend {
			level, why := Note, "so Python's keyring asks only that backend, never ours"
			if isPositBackend(v) {
				level, why = Problem, "posit-keyring's backend"
			}
			r.add(level, "posit-keyring: %s sets default-keyring=%s (%s); delete that file, or set default-keyring=%s in it", cfg, v, why, ourBackend)
		}
	}
	for _, f := range pipConfigFiles(e) {
		// pip reads keyring_backend and keyring-backend alike, in any
		// section; posit-keyring's README put it under [global].
		for _, section := range []string{"global", "install", "download"} {
			if v, ok := iniValue(f, section, "keyring_backend", "keyring-backend"); ok {
				r.add(Note, "posit-keyring: %s sets keyring_backend = %s under [%s], which pip ignores (keyring backends find themselves); delete that line", f, v, section)
			}
		}
	}
	if py := e.pythonOnPath(); py != "" {
		if st, err := e.pyProbe(py); err == nil && st.PositKeyring != "" {
			level, beside := Note, ""
			if st.Wheel != "" {
				level, beside = Problem, " beside git-credential-ppm's backend: both answer for Package Manager"
			}
			r.add(level, "posit-keyring: %s has posit-keyring %s installed%s; uninstall it (tokens.toml is shared, nobody logs in again): %s -m pip uninstall -y posit-keyring", st.Python, st.PositKeyring, beside, st.Python)
		}
	}
	return r
}
