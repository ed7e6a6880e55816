package clients

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	pathpkg "path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Reading and writing git's configuration through git itself.

// gitEntry is one credential.*helper entry in git's configuration, in the
// order git reads them.
type gitEntry struct {
	url    string // the URL in credential.<url>.helper; "" for credential.helper
	value  string
	origin string // the file that sets it (git config --show-origin), or "command line:"
}

// gitValues returns the values of key in the global config, in order.
func (e *Env) gitValues(git, key string) ([]string, error) {
	out, err := e.output(git, "config", "-z", "--global", "--get-all", key)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return nil, nil // no such key
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read git's global config (%w); check ~/.gitconfig", err)
	}
	var vals []string
	for _, v := range bytes.Split(out, []byte{0}) {
		vals = append(vals, string(v))
	}
	return vals[:len(vals)-1], nil // the output ends with a NUL
}

// setGitValues makes key's values in the global config exactly vals, in
// order (git config cannot insert, so the list is written anew). With no
// values left, an empty [credential "<url>"] section is removed too.
func (e *Env) setGitValues(git, key string, vals []string) error {
	if _, err := e.output(git, "config", "--global", "--unset-all", key); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 5 { // 5: nothing to unset
			return fmt.Errorf("cannot change git's global config (%w); check ~/.gitconfig", err)
		}
	}
	for _, v := range vals {
		if _, err := e.output(git, "config", "--global", "--add", key, v); err != nil {
			return fmt.Errorf("cannot change git's global config (%w); check ~/.gitconfig", err)
		}
	}
	if len(vals) == 0 {
		section := strings.TrimSuffix(key, ".helper")
		out, err := e.output(git, "config", "--global", "--get-regexp", "^"+quoteRegexp(section)+`\.`)
		if err != nil && len(out) == 0 {
			_, _ = e.output(git, "config", "--global", "--remove-section", section)
		}
	}
	return nil
}

// gitGlobalPath is the file `git config --global` writes:
// GIT_CONFIG_GLOBAL, else ~/.gitconfig, else (when only it exists) git's
// XDG file.
func (e *Env) gitGlobalPath() string {
	if p := e.Getenv("GIT_CONFIG_GLOBAL"); p != "" {
		return p
	}
	home := filepath.Join(e.Home, ".gitconfig")
	xdg := filepath.Join(e.configDir(), "git", "config")
	if runtime.GOOS != "windows" && !exists(home) && exists(xdg) {
		return xdg
	}
	return home
}

// gitHelperEntries lists every credential.helper and
// credential.<url>.helper entry git reads here (system, global, local,
// includes, -c), in git's order, with the file each comes from.
func (e *Env) gitHelperEntries(git string) ([]gitEntry, error) {
	out, err := e.output(git, "config", "-z", "--show-origin", "--get-regexp", `^credential\.(.*\.)?helper$`)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read git's config (%w); check it with git config --list", err)
	}
	// Records come in pairs: the origin, then the key, a newline and the value.
	recs := bytes.Split(out, []byte{0})
	var list []gitEntry
	for i := 0; i+1 < len(recs); i += 2 {
		name, value, ok := strings.Cut(string(recs[i+1]), "\n")
		if !ok {
			continue // a key without a value
		}
		u := strings.TrimSuffix(strings.TrimPrefix(name, "credential."), "helper")
		list = append(list, gitEntry{url: strings.TrimSuffix(u, "."), value: value, origin: strings.TrimPrefix(string(recs[i]), "file:")})
	}
	return list, nil
}

// helpersFor is the list of helpers git calls for a request to
// scheme://host/path (path as git sends it, without the leading slash; ""
// for none): every entry whose URL matches, in order, an empty value
// clearing the list so far — git's credential_apply_config, which matches
// the request's path before it drops it (credential.useHttpPath off).
func helpersFor(entries []gitEntry, scheme, host, path string) []string {
	var list []string
	for _, en := range entries {
		if en.url != "" && !urlMatches(en.url, scheme, host, path) {
			continue
		}
		if en.value == "" {
			list = nil
		} else {
			list = append(list, en.value)
		}
	}
	return list
}

// scopedPaths lists the paths of credential.<url> entries for scheme://host
// that lie under prefix (or above it): git calls those helpers for
// requests under that path only.
func scopedPaths(entries []gitEntry, scheme, host, prefix string) []string {
	var out []string
	for _, en := range entries {
		if en.url == "" {
			continue
		}
		p, ok := urlPath(en.url, scheme, host)
		if !ok || p == "" || !(underPath(p, prefix) || underPath(prefix, p)) || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// urlMatches reports whether a credential.<url> section applies to a
// request for scheme://host/path (git's urlmatch: same scheme, host with
// "*" matching one label, same port, no user, and the section's path, if
// any, the request's or a parent of it at a "/").
func urlMatches(pattern, scheme, host, path string) bool {
	p, ok := urlPath(pattern, scheme, host)
	return ok && underPath(strings.Trim(path, "/"), p)
}

// underPath reports whether path lies under prefix, segment by segment
// (both without leading or trailing slashes; "" is the root).
func underPath(path, prefix string) bool {
	return prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/")
}

// urlPath matches a credential.<url> section's scheme, host and port
// against scheme://host and returns its path without slashes at either end
// ("" for none).
func urlPath(pattern, scheme, host string) (string, bool) {
	u, err := url.Parse(pattern)
	if err != nil || u.Host == "" || u.User != nil || !strings.EqualFold(u.Scheme, scheme) {
		return "", false
	}
	want := strings.ToLower(u.Host)
	if port := u.Port(); (port == "443" && strings.EqualFold(scheme, "https")) || (port == "80" && strings.EqualFold(scheme, "http")) {
		want = strings.ToLower(u.Hostname())
		if strings.Contains(want, ":") {
			want = "[" + want + "]"
		}
	}
	wantLabels := strings.Split(want, ".")
	gotLabels := strings.Split(strings.ToLower(host), ".")
	if len(wantLabels) != len(gotLabels) {
		return "", false
	}
	for i := range wantLabels {
		if ok, _ := pathpkg.Match(wantLabels[i], gotLabels[i]); !ok && wantLabels[i] != gotLabels[i] {
			return "", false
		}
	}
	return strings.Trim(u.Path, "/"), true
}

// quoteForShell makes an absolute path safe in a git helper value: git
// runs `<value> get` through the shell, so a space (or any character the
// shell reads) is escaped with a backslash. The value still starts with
// the path, so git takes it as an absolute path (Git for Windows writes
// its own C:/Program\ Files/… helper this way).
func quoteForShell(p string) (string, error) {
	if strings.ContainsAny(p, "\n\r") {
		return "", fmt.Errorf("this program's path %q contains a line break, which git's shell cannot run; move it", p)
	}
	var b strings.Builder
	for _, r := range p {
		if r < 0x80 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-:+@%,=", r)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// unquoteShell takes back quoteForShell's backslashes.
func unquoteShell(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// quoteRegexp escapes the characters a regular expression (git's, for
// --get-regexp) treats specially, so s matches itself. It does what
// regexp.QuoteMeta does without linking the regexp package, whose
// initialisation every process of this program would pay.
func quoteRegexp(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`\.+*?()|[]{}^$`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
