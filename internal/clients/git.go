package clients

import (
	"path/filepath"
	"slices"
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
// alone is ✓; every other one git would call for it is named — the ones
// for the whole origin and those of a credential.<url> section for a path
// under the address (git matches those before it drops the path).
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
		origin := origins[i]
		scheme, host, _ := strings.Cut(origin, "://")
		ours, others := e.splitHelpers(helpersFor(entries, scheme, host, ""))
		var scoped, skipped []string
		for _, prefix := range e.addressPaths(scheme, host) {
			for _, p := range scopedPaths(entries, scheme, host, prefix) {
				probe := p
				if underPath(prefix, p) {
					probe = prefix
				}
				o, other := e.splitHelpers(helpersFor(entries, scheme, host, probe))
				for _, h := range other {
					if !slices.Contains(others, h) {
						scoped = append(scoped, h+" (for "+origin+"/"+probe+")")
					}
				}
				if ours != "" && o == "" {
					skipped = append(skipped, origin+"/"+probe)
				}
			}
		}
		switch {
		case ours == "" && len(others)+len(scoped) > 0:
			r.add(Unwired, "git: %s is not set, so git asks only %s for %s; run `git-credential-ppm setup`, which adds this helper and keeps those away from the token", key, strings.Join(append(others, scoped...), ", "), origin)
		case ours == "":
			r.add(Unwired, "git: %s is not set; run `git-credential-ppm setup` (or git config --global %s \"\" && git config --global --add %s ppm)", key, key, key)
		default:
			r.Wired = true
			if len(others) > 0 {
				r.add(Problem, "git: for %s git also calls the helper(s) %s, which would get the token too (store writes it to ~/.git-credentials, cache keeps it in memory); run `git-credential-ppm setup`, which resets the list for this address", origin, strings.Join(others, ", "))
			}
			if len(scoped) > 0 {
				r.add(Problem, "git: git also calls %s, from a credential.<url> section for a path, which would get the token too; remove that entry (git config --show-origin --get-regexp 'credential\\..*helper' shows where it is)", strings.Join(scoped, ", "))
			}
			if len(skipped) > 0 {
				r.add(Problem, "git: for %s a credential.<url> section for that path resets the helper list, so git does not call this helper there; remove its empty helper line (git config --show-origin --get-regexp 'credential\\..*helper' shows where it is)", strings.Join(skipped, ", "))
			}
			if len(others)+len(scoped)+len(skipped) == 0 {
				r.add(OK, "git: %s = %s (the only helper git calls for %s)", key, ours, origin)
			}
		}
	}
	return r
}

// splitHelpers separates this helper (the last of ours in list) from the
// others.
func (e *Env) splitHelpers(list []string) (ours string, others []string) {
	for _, v := range list {
		if e.isOurHelper(v) {
			ours = v
		} else {
			others = append(others, v)
		}
	}
	return ours, others
}

// addressPaths are the paths (without slashes at either end) of the
// addresses on scheme://host.
func (e *Env) addressPaths(scheme, host string) []string {
	var out []string
	for _, a := range e.Addresses {
		if a.Scheme == scheme && a.Host == host {
			out = append(out, strings.Trim(a.Path, "/"))
		}
	}
	return out
}
