package clients

import (
	"path/filepath"
	"strings"
)

// UV wires uv: `keyring-provider = "subprocess"` at the top of the user's
// uv.toml, so uv runs the `keyring` command (our link) for its indexes.
type UV struct{}

// Name is "uv".
func (UV) Name() string { return "uv" }

// uvConfigPath is uv's user-level uv.toml.
func uvConfigPath(e *Env) string {
	return filepath.Join(e.configDir(), "uv", "uv.toml")
}

func (UV) line(e *Env) configLine {
	return configLine{client: "uv", path: uvConfigPath(e), key: "keyring-provider", line: `keyring-provider = "subprocess"`}
}

// Apply writes the line at uv.toml's top level.
func (u UV) Apply(s *Session) (bool, error) { return u.line(s.Env).apply(s) }

// Undo restores or removes the line setup wrote.
func (UV) Undo(s *Session) error { return undoLines(s, "uv") }

// Hints: uv sends no user unless told, and asks keyring for one it knows.
func (UV) Hints(e *Env) []string {
	if len(e.Addresses) == 0 {
		return nil
	}
	return []string{"uv: name the index with the user __token__ too, e.g. export UV_DEFAULT_INDEX=" + indexURL(e) + ` (or set authenticate = "always" on the [[index]])`}
}

// Check: UV_KEYRING_PROVIDER or uv.toml says "subprocess".
func (u UV) Check(e *Env) Report {
	var r Report
	if e.LookPath("uv") == "" {
		r.add(Note, "uv: not installed (skipped)")
		return r
	}
	c := u.line(e)
	if strings.EqualFold(e.Getenv("UV_KEYRING_PROVIDER"), "subprocess") {
		r.Wired = true
		r.add(OK, "uv: UV_KEYRING_PROVIDER = subprocess")
		return r
	}
	lines, _, _ := readLines(c.path)
	if idx, _ := findKey(lines, "", c.key); idx >= 0 && strings.Contains(lines[idx], "subprocess") {
		r.Wired = true
		r.add(OK, `uv: %s sets keyring-provider = "subprocess"`, c.path)
		return r
	}
	r.add(Unwired, `uv: keyring-provider is not "subprocess" in %s; run `+"`git-credential-ppm setup`", c.path)
	return r
}
