package clients

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The config-file editor: pip.conf (INI) and uv.toml (TOML) are edited a
// line at a time, keeping everything else — comments, order, keys of the
// person's own — as it is.

// splitLines splits a file into lines (CRLF read as LF; no trailing "").
func splitLines(s string) []string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func joinLines(lines []string) []byte {
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
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
			if section == "" {
				return idx, insertAt
			}
			in = strings.EqualFold(strings.Trim(t, "[] "), section)
			if in {
				insertAt = i + 1
			}
			continue
		}
		if !in {
			continue
		}
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key {
			return i, insertAt
		}
	}
	return idx, insertAt
}

// edit is the outcome of setLine.
type edit struct {
	lines    []string
	previous string // the line replaced ("" when added)
	section  string // the section header added ("" if none)
	changed  bool
}

// setLine makes key read line in section, adding the section when it is
// missing (at the end for INI; TOML's top level is the file's start).
func setLine(lines []string, section, key, line string) edit {
	idx, insertAt := findKey(lines, section, key)
	out := append([]string(nil), lines...)
	switch {
	case idx >= 0 && strings.TrimSpace(lines[idx]) == line:
		return edit{lines: lines}
	case idx >= 0:
		out[idx] = line
		return edit{lines: out, previous: lines[idx], changed: true}
	case insertAt >= 0:
		out = append(out[:insertAt], append([]string{line}, out[insertAt:]...)...)
		return edit{lines: out, changed: true}
	case section != "":
		if len(out) > 0 && out[len(out)-1] != "" {
			out = append(out, "")
		}
		return edit{lines: append(out, "["+section+"]", line), section: section, changed: true}
	default:
		return edit{lines: append([]string{line}, out...), changed: true}
	}
}

// unsetLine takes back a change setLine made: restores the line it
// replaced or removes the one it added, then the section header it added
// if the section is now empty. found is false when the line is gone.
func unsetLine(lines []string, c FileChange) (out []string, found bool) {
	out = append([]string(nil), lines...)
	for j, l := range out {
		if strings.TrimSpace(l) != c.Line {
			continue
		}
		if c.Previous != "" {
			out[j] = c.Previous
		} else {
			out = append(out[:j], out[j+1:]...)
		}
		if c.Section != "" {
			out = dropEmptySection(out, c.Section)
		}
		return out, true
	}
	return lines, false
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
		return append(lines[:start:start], lines[i+1:]...)
	}
	return lines
}

// configLine is one line a client needs in its config file.
type configLine struct {
	client  string
	path    string
	section string // INI section; "" is TOML's top level
	key     string
	line    string
}

// readLines returns the file's lines (none when it does not exist) and whether
// it exists. A symbolic link is read through.
func readLines(path string) (lines []string, existed bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s (%w); check its permissions", path, err)
	}
	return splitLines(string(b)), true, nil
}

// apply writes the line (through a symbolic link: the link stays, its
// target changes) and records the change.
func (c configLine) apply(s *Session) (bool, error) {
	lines, existed, err := readLines(c.path)
	if err != nil {
		return false, err
	}
	ed := setLine(lines, c.section, c.key, c.line)
	switch {
	case !ed.changed:
		s.Say("%s: %s has %s (unchanged)", c.client, c.path, c.line)
		return false, nil
	case ed.previous != "":
		s.Say("%s: %s: %s → %s", c.client, c.path, strings.TrimSpace(ed.previous), c.line)
	default:
		s.Say("%s: %s: add %s", c.client, c.path, c.line)
	}
	if s.DryRun {
		s.willWrite(c.client, c.path)
		return true, nil
	}
	if err := writeThrough(c.path, joinLines(ed.lines)); err != nil {
		return false, err
	}
	s.record(func(st *State) {
		st.Files = append(st.Files, FileChange{Client: c.client, Path: c.path, Line: c.line, Previous: ed.previous, Section: ed.section, Created: !existed})
	})
	return true, nil
}

// undoLines takes back, newest first, the lines setup wrote for client.
// A file setup created is removed once nothing else is in it (through a
// link, its target is: the link stays as the person had it).
func undoLines(s *Session, client string) error {
	var keep []FileChange
	files := s.State.Files
	for i := len(files) - 1; i >= 0; i-- {
		f := files[i]
		if f.Client != client {
			keep = append([]FileChange{f}, keep...)
			continue
		}
		if err := undoLine(s, f); err != nil {
			return err
		}
	}
	if !s.DryRun {
		s.State.Files = keep
	}
	return nil
}

func undoLine(s *Session, f FileChange) error {
	lines, existed, err := readLines(f.Path)
	if err != nil || !existed {
		return err
	}
	out, found := unsetLine(lines, f)
	switch {
	case !found:
		s.Say("%s: %s no longer has %s (left as it is)", f.Client, f.Path, f.Line)
		return nil
	case f.Previous != "":
		s.Say("%s: %s: restore %s", f.Client, f.Path, strings.TrimSpace(f.Previous))
	default:
		s.Say("%s: %s: remove %s", f.Client, f.Path, f.Line)
	}
	if s.DryRun {
		return nil
	}
	if f.Created && len(out) == 0 {
		s.Say("%s: remove %s (setup created it)", f.Client, f.Path)
		target, err := filepath.EvalSymlinks(f.Path)
		if err != nil {
			return fmt.Errorf("cannot follow %s (%w); remove it by hand", f.Path, err)
		}
		return os.Remove(target)
	}
	return writeThrough(f.Path, joinLines(out))
}
