package clients

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// State records what setup changed, so that `setup --remove` undoes
// exactly that and nothing else. It is saved as JSON beside tokens.toml.
type State struct {
	GitHelpers []GitHelperChange `json:"git_helpers,omitempty"`
	Files      []FileChange      `json:"files,omitempty"`
	Link       string            `json:"link,omitempty"`
	Blocks     []BlockChange     `json:"blocks,omitempty"`
}

func (st State) empty() bool {
	return len(st.GitHelpers) == 0 && len(st.Files) == 0 && st.Link == "" && len(st.Blocks) == 0
}

// BlockChange is a marked block setup added to a file (R's profile).
type BlockChange struct {
	Client string `json:"client"`
	Path   string `json:"path"`
	// Created: the file did not exist before setup.
	Created bool `json:"created,omitempty"`
	// AddedNewline: the file did not end with a newline, and setup added
	// one before the block.
	AddedNewline bool `json:"added_newline,omitempty"`
}

func (st State) hasBlock(path string) bool {
	for _, b := range st.Blocks {
		if b.Path == path {
			return true
		}
	}
	return false
}

// GitHelperChange is one value setup added to a git helper list in the
// global git config ("" is the line that resets the list).
type GitHelperChange struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// FileChange is one key setup wrote into a config file; Previous is the
// line it replaced ("" when setup added the line).
type FileChange struct {
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

// Session is one run of setup or setup --remove: the state it started
// from, what it changed, and the lines it has to say.
type Session struct {
	*Env
	// DryRun: say what would change, change nothing.
	DryRun bool
	// State is what setup changed so far (read from StatePath).
	State State
	// StatePath is the state file.
	StatePath string
	// Out is what the session said, one line each.
	Out []string

	dirty bool
}

// NewSession reads the state file at statePath (absent: nothing recorded).
func NewSession(e *Env, statePath string, dryRun bool) (*Session, error) {
	s := &Session{Env: e, DryRun: dryRun, StatePath: statePath}
	b, err := os.ReadFile(statePath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read %s (%w); check its permissions", statePath, err)
	}
	if err == nil {
		if err := json.Unmarshal(b, &s.State); err != nil {
			return nil, fmt.Errorf("%s is damaged (%w); remove it and run setup again", statePath, err)
		}
	}
	return s, nil
}

// Say adds a line to the session's output.
func (s *Session) Say(format string, args ...any) {
	s.Out = append(s.Out, fmt.Sprintf(format, args...))
}

// record marks the state changed; save writes it.
func (s *Session) record(change func(*State)) {
	change(&s.State)
	s.dirty = true
}

func (s *Session) save() error {
	if err := os.MkdirAll(filepath.Dir(s.StatePath), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s.State, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.StatePath, b)
}

// Setup wires every client in table and records what changed, even when a
// step fails, so that --remove can undo a half-finished setup.
func Setup(s *Session, table []Client) error {
	if len(s.Addresses) == 0 {
		return errors.New("no address to set up; run `git-credential-ppm setup https://ppm.example.com` with your Package Manager's URL")
	}
	defer func() {
		if s.dirty && !s.DryRun {
			if err := s.save(); err != nil {
				s.Say("warning: cannot record what setup changed in %s (%v); setup --remove will not know it", s.StatePath, err)
			}
		}
	}()
	changed, err := ApplyAll(s, table)
	if err != nil {
		return err
	}
	switch {
	case !changed:
		s.Say("Nothing to change: git, pip, uv and the keyring link are already set up.")
	case s.DryRun:
		s.Say("(dry run: nothing was changed)")
	default:
		for _, c := range table {
			if h, ok := c.(Hinter); ok {
				s.Out = append(s.Out, h.Hints(s.Env)...)
			}
		}
		s.Say("Undo with: git-credential-ppm setup --remove")
	}
	return nil
}

// Hinter is a client with advice to print after setup changed something
// (what setup cannot do for the person, such as naming an index).
type Hinter interface {
	Hints(e *Env) []string
}

// Remove takes back what the state file records, then removes the file.
// It reports whether there was anything to take back (it says nothing
// when there was not: the caller may have more to undo).
func Remove(s *Session, table []Client) (removed bool, err error) {
	if s.State.empty() {
		return false, nil
	}
	if err := UndoAll(s, table); err != nil {
		return true, err
	}
	if s.DryRun {
		return true, nil
	}
	if err := os.Remove(s.StatePath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return true, fmt.Errorf("cannot remove %s (%w); remove it by hand", s.StatePath, err)
	}
	return true, nil
}
