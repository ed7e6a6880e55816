package clients

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"
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

// Apply writes the line at uv.toml's top level. The file is edited a line
// at a time, so the person's comments and layout stay; go-toml reads the
// file first and the edited text before it is written, so that setup
// never writes a uv.toml that uv would refuse (a file that was broken
// already, or a keyring-provider our line scan could not see, such as a
// quoted key, which the added line would duplicate).
func (u UV) Apply(s *Session) (bool, error) {
	c := u.line(s.Env)
	lines, existed, err := readLines(c.path)
	if err != nil {
		return false, err
	}
	if existed {
		if _, err := uvKeyringProvider(joinLines(lines)); err != nil {
			return false, fmt.Errorf("uv: %s %v, which uv refuses too; fix it, then run setup again", c.path, err)
		}
	}
	after := setLine(lines, c.section, c.key, c.line).lines
	if v, err := uvKeyringProvider(joinLines(after)); err != nil || v != "subprocess" {
		return false, fmt.Errorf("uv: adding %s to %s would not set it at the top level; add it there by hand", c.line, c.path)
	}
	return c.apply(s)
}

// uvKeyringProvider reads uv.toml's top-level keyring-provider with
// go-toml ("" when unset or not a string); the error says where the file
// is not TOML.
func uvKeyringProvider(data []byte) (string, error) {
	conf := map[string]any{}
	if err := toml.Unmarshal(data, &conf); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			line, col := derr.Position()
			return "", fmt.Errorf("is not valid TOML at line %d, column %d (%s)", line, col, strings.TrimPrefix(derr.Error(), "toml: "))
		}
		return "", fmt.Errorf("is not valid TOML (%s)", strings.TrimPrefix(err.Error(), "toml: "))
	}
	v, _ := conf["keyring-provider"].(string)
	return v, nil
}

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
	lines, existed, err := readLines(c.path)
	if err != nil {
		r.add(Problem, "uv: %v", err)
		return r
	}
	v, err := uvKeyringProvider(joinLines(lines))
	switch {
	case existed && err != nil:
		r.add(Problem, "uv: %s %v, which uv refuses; fix it", c.path, err)
		return r
	case v == "subprocess":
		r.Wired = true
		r.add(OK, `uv: %s sets keyring-provider = "subprocess"`, c.path)
		return r
	}
	r.add(Unwired, `uv: keyring-provider is not "subprocess" in %s; run `+"`git-credential-ppm setup`", c.path)
	return r
}
