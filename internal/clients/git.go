package clients

import (
	"path/filepath"
	"strings"
)

// Git wires git: in the global config, for each address, the helper list
// is reset (an empty `helper =`) and then names this program, so that a
// global store, cache, osxkeychain or manager helper never receives the
// token nor serves a stale copy of it.
type Git struct{}

// Name is "git".
func (Git) Name() string { return "git" }

// gitKey is the config key for an address: credential.<scheme://host>.helper.
// git drops the path of http requests before it matches credential.<url>
// sections (unless credential.useHttpPath is set), so a path in the key
// would match nothing; the helper itself answers only under the path.
func gitKey(scheme, host string) string {
	return "credential." + scheme + "://" + host + ".helper"
}

// gitKeys lists each address's key once (two addresses on one host share it).
func (e *Env) gitKeys() (keys, origins []string) {
	seen := map[string]bool{}
	for _, a := range e.Addresses {
		k := gitKey(a.Scheme, a.Host)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
			origins = append(origins, a.Scheme+"://"+a.Host)
		}
	}
	return keys, origins
}

// helperValue is what git should run: `ppm` (git credential-ppm, found on
// PATH) when the git-credential-ppm on PATH is this program, else the
// absolute path, quoted for git's shell.
func (e *Env) helperValue() (string, error) {
	if p := e.LookPath("git-credential-ppm"); p != "" && IsOurs(p, e.Self) {
		return "ppm", nil
	}
	return quoteForShell(filepath.ToSlash(e.Self))
}

// isOurHelper reports whether git runs this helper for value: `ppm`, or a
// path (quoted or not) to this program or to another git-credential-ppm.
func (e *Env) isOurHelper(value string) bool {
	if value == "ppm" {
		return true
	}
	p := unquoteShell(value)
	base := strings.ToLower(filepath.Base(filepath.FromSlash(p)))
	return base == "git-credential-ppm" || base == "git-credential-ppm.exe" || IsOurs(p, e.Self)
}

// resetThenOurs reports whether vals end with the reset line and then one
// of ours.
func (e *Env) resetThenOurs(vals []string) bool {
	n := len(vals)
	return n >= 2 && vals[n-2] == "" && e.isOurHelper(vals[n-1])
}

// Apply makes each key's global values end with "" and this helper. A
// value of ours that was there already is moved after the reset line, not
// added twice; values of the person's own stay, before the reset.
func (Git) Apply(s *Session) (bool, error) {
	git := s.LookPath("git")
	if git == "" {
		s.Say("git: not installed; skipped")
		return false, nil
	}
	value, err := s.helperValue()
	if err != nil {
		return false, err
	}
	keys, _ := s.gitKeys()
	changed := false
	for _, key := range keys {
		vals, err := s.gitValues(git, key)
		if err != nil {
			return changed, err
		}
		if s.resetThenOurs(vals) {
			s.Say("git: %s = %s (unchanged)", key, vals[len(vals)-1])
			continue
		}
		var keep []string
		had := ""
		for _, v := range vals {
			if s.isOurHelper(v) {
				had = v
			} else {
				keep = append(keep, v)
			}
		}
		ours := value
		if had != "" {
			ours = had
		}
		s.Say("git: set %s = %s, after an empty helper = that resets the list (no other helper gets the token)", key, ours)
		changed = true
		if s.DryRun {
			s.willWrite("git", s.gitGlobalPath())
			continue
		}
		if err := s.setGitValues(git, key, append(keep, "", ours)); err != nil {
			return changed, err
		}
		s.record(func(st *State) {
			st.GitHelpers = append(st.GitHelpers, GitHelperChange{key, ""})
			if had == "" {
				st.GitHelpers = append(st.GitHelpers, GitHelperChange{key, value})
			}
		})
	}
	return changed, nil
}

// Undo removes, for each key, the values setup added (the last of each),
// keeping the person's own.
func (Git) Undo(s *Session) error {
	if len(s.State.GitHelpers) == 0 {
		return nil
	}
	git := s.LookPath("git")
	if git == "" {
		s.Say("git: not installed; the helper lines setup added to ~/.gitconfig stay")
		return nil
	}
	var order []string
	added := map[string][]string{}
	for _, g := range s.State.GitHelpers {
		if _, ok := added[g.Key]; !ok {
			order = append(order, g.Key)
		}
		added[g.Key] = append(added[g.Key], g.Value)
	}
	for _, key := range order {
		vals, err := s.gitValues(git, key)
		if err != nil {
			return err
		}
		left, removed := vals, false
		for _, v := range added[key] {
			if i := lastIndex(left, v); i >= 0 {
				left = append(left[:i:i], left[i+1:]...)
				removed = true
				if v == "" {
					s.Say("git: unset %s = (the empty line that reset the list)", key)
				} else {
					s.Say("git: unset %s = %s", key, v)
				}
			}
		}
		if !removed {
			s.Say("git: %s no longer has what setup added (left as it is)", key)
			continue
		}
		if !s.DryRun {
			if err := s.setGitValues(git, key, left); err != nil {
				return err
			}
		}
	}
	if !s.DryRun {
		s.State.GitHelpers = nil
	}
	return nil
}

func lastIndex(list []string, v string) int {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i] == v {
			return i
		}
	}
	return -1
}

// Check asks git which helpers it would call for each address: this one
// alone is ✓; another one beside it is named (it would get the token).
func (Git) Check(e *Env) Report {
	var r Report
	git := e.LookPath("git")
	if git == "" {
		r.add(Note, "git: not installed (skipped)")
		return r
	}
	entries, err := e.gitHelperEntries(git)
	if err != nil {
		r.add(Problem, "git: %v", err)
		return r
	}
	keys, origins := e.gitKeys()
	for i, key := range keys {
		var ours string
		var others []string
		scheme, host, _ := strings.Cut(origins[i], "://")
		for _, v := range helpersFor(entries, scheme, host) {
			if e.isOurHelper(v) {
				ours = v
			} else {
				others = append(others, v)
			}
		}
		switch {
		case ours == "":
			r.add(Unwired, "git: %s is not set; run `git-credential-ppm setup` (or git config --global %s \"\" && git config --global --add %s ppm)", key, key, key)
		case len(others) > 0:
			r.Wired = true
			r.add(Problem, "git: for %s git also calls the helper(s) %s, which would get the token too (store writes it to ~/.git-credentials); run `git-credential-ppm setup`, which resets the list for this address", origins[i], strings.Join(others, ", "))
		default:
			r.Wired = true
			r.add(OK, "git: %s = %s (the only helper git calls for %s)", key, ours, origins[i])
		}
	}
	return r
}
