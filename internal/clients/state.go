package clients

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	// AlsoWrites are files the caller writes when the clients' checks pass
	// (the user configuration file): setup checks them with its own.
	AlsoWrites []string
	// BeforeWrite, when set, runs once every check passed and before the
	// first client writes anything (the caller's own write).
	BeforeWrite func() error

	blocked []string // what the dry run found cannot be done, one line each
	dirty   bool
}

// BlockedError lists the steps setup cannot do, one line each saying what
// to do; nothing was written.
type BlockedError struct {
	Lines []string
}

func (e *BlockedError) Error() string { return strings.Join(e.Lines, "; ") }

// block notes a step that cannot be done. In a dry run (the check before
// every setup) it is collected and nil is returned, so the run goes on to
// find every other one; otherwise it is the error.
func (s *Session) block(format string, args ...any) error {
	line := fmt.Sprintf(format, args...)
	if s.DryRun {
		s.blocked = append(s.blocked, line)
		return nil
	}
	return errors.New(line)
}

// willWrite, in a dry run, checks that path can be written (created, or
// replaced through its directory) and blocks the step when it cannot.
func (s *Session) willWrite(client, path string) {
	if !s.DryRun {
		return
	}
	if err := writable(path); err != nil {
		_ = s.block("%s: cannot write %s: %v; make it yours (sudo keeps your HOME unless given -H) and run setup again", client, path, err)
	}
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

// Setup wires every client in table. It first runs them all as a dry run
// that also checks every place it would write; when any step cannot be
// done it returns a *BlockedError naming each, one line apiece, and writes
// nothing. Only then does it make the changes (after s.BeforeWrite),
// recording them, even when a step fails, so that --remove can undo a
// half-finished setup. A second run changes nothing.
func Setup(s *Session, table []Client) error {
	if len(s.Addresses) == 0 {
		return errors.New("no address to set up; run `git-credential-ppm setup https://ppm.example.com` with your Package Manager's URL")
	}
	plan := &Session{Env: s.Env, DryRun: true, State: s.State, StatePath: s.StatePath}
	changed, err := ApplyAll(plan, table)
	if err != nil {
		return err
	}
	if changed {
		plan.willWrite("record", s.StatePath)
	}
	for _, p := range s.AlsoWrites {
		plan.willWrite("address", p)
	}
	if len(plan.blocked) > 0 {
		return &BlockedError{Lines: plan.blocked}
	}
	if s.DryRun {
		s.Out = append(s.Out, plan.Out...)
		s.summarize(changed || s.BeforeWrite != nil, table)
		return nil
	}
	if s.BeforeWrite != nil {
		if err := s.BeforeWrite(); err != nil {
			return err
		}
	}
	defer func() {
		if s.dirty {
			if err := s.save(); err != nil {
				s.Say("warning: cannot record what setup changed in %s (%v); setup --remove will not know it", s.StatePath, err)
			}
		}
	}()
	changed, err = ApplyAll(s, table)
	if err != nil {
		return err
	}
	s.summarize(changed || s.BeforeWrite != nil, table)
	return nil
}

// summarize ends setup's output: nothing changed, a dry run, or the hints
// of the clients and how to undo.
func (s *Session) summarize(changed bool, table []Client) {
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
