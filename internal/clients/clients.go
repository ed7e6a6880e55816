// Package clients wires the programs that use Package Manager tokens —
// git, pip, uv and the `keyring` link pip and uv run, and R — to this
// helper.
//
// Each client is one type with three methods: Check (is it wired, and does
// it work, for doctor), Apply (wire it, or with a dry run say what would
// change, for setup) and Undo (take back exactly what Apply recorded, for
// setup --remove). Table lists them in the order setup and doctor visit
// them; adding a client is one file with its type and one line there.
package clients

import "fmt"

// Client is one program setup wires and doctor checks.
type Client interface {
	// Name is how lines about the client start ("git", "pip", …).
	Name() string
	// Check reports whether the client is wired to this helper and what
	// stands in its way. It changes nothing.
	Check(e *Env) Report
	// Apply wires the client, saying each change on s (or, in a dry run,
	// each change it would make) and recording it in s.State so Undo can
	// take it back. It reports whether anything was (or would be) changed.
	Apply(s *Session) (changed bool, err error)
	// Undo takes back what Apply recorded in s.State, and nothing else.
	Undo(s *Session) error
}

// Table is every client, in the order setup wires and doctor checks them.
// A client that depends on others (the keyring link serves pip and uv)
// comes after them, so its Check can ask Env.Wired about them.
var Table = []Client{
	Git{},
	Pip{},
	UV{},
	KeyringLink{Users: []string{"pip", "uv"}},
	PythonKeyring{},
	PositKeyring{},
	Twine{},
	R{},
}

// Level says how a doctor line reads.
type Level int

const (
	// OK: the piece works (✓).
	OK Level = iota
	// Note: information, or a tool that is not installed (skipped).
	Note
	// Problem: something a wired client needs is broken (✗).
	Problem
	// Unwired: the client is installed but not set up. Doctor shows it as
	// ✗ when no client at all is wired (the helper serves nobody), else as
	// a note: a git-only user is not failed for an unconfigured pip.
	Unwired
)

// Line is one line of doctor's output.
type Line struct {
	Level Level
	Text  string
}

// Report is what Check found about one client.
type Report struct {
	// Wired: the client is configured to use this helper.
	Wired bool
	Lines []Line
}

func (r *Report) add(level Level, format string, args ...any) {
	r.Lines = append(r.Lines, Line{level, fmt.Sprintf(format, args...)})
}

// CheckAll runs every client's Check in table order. After it, e.Wired
// answers for each client.
func CheckAll(e *Env, table []Client) []Report {
	e.probes = map[string]probeResult{} // what the checks share, for this run
	defer func() { e.probes = nil }()
	out := make([]Report, 0, len(table))
	for _, c := range table {
		r := c.Check(e)
		e.setWired(c.Name(), r.Wired)
		out = append(out, r)
	}
	return out
}

// ApplyAll wires every client in table order. It stops at the first
// error; what was changed until then is recorded in s.State.
func ApplyAll(s *Session, table []Client) (changed bool, err error) {
	for _, c := range table {
		ch, err := c.Apply(s)
		changed = changed || ch
		if err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// UndoAll takes back what setup recorded, in reverse table order.
func UndoAll(s *Session, table []Client) error {
	for i := len(table) - 1; i >= 0; i-- {
		if err := table[i].Undo(s); err != nil {
			return err
		}
	}
	return nil
}

// CheckOnly, embedded in a client type, gives it the Apply and Undo of a
// client setup does not change (a doctor check of its own, such as a
// Python keyring backend): nothing to wire, nothing to take back.
type CheckOnly struct{}

// Apply changes nothing.
func (CheckOnly) Apply(*Session) (bool, error) { return false, nil }

// Undo changes nothing.
func (CheckOnly) Undo(*Session) error { return nil }
