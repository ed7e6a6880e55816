package clients

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// netrcEntry is one machine (or default) entry of a netrc file.
type netrcEntry struct {
	machine  string // "" for the default entry
	login    string
	password string
	line     int // where the entry starts (1-based)
}

// parseNetrc reads the entries of a netrc file as curl and Python's netrc
// module do: whitespace-separated tokens, "machine NAME" or "default"
// opening an entry, login/password/account values, a "macdef" body
// running to the next empty line.
func parseNetrc(text string) []netrcEntry {
	type tok struct {
		s    string
		line int
	}
	var toks []tok
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		fields := strings.Fields(lines[i])
		for j := 0; j < len(fields); j++ {
			if strings.HasPrefix(fields[j], "#") {
				break
			}
			if fields[j] == "macdef" {
				// A macro: its name, then a body running to the next
				// empty line; nothing in it is an entry.
				for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					i++
				}
				break
			}
			toks = append(toks, tok{fields[j], i + 1})
		}
	}
	var out []netrcEntry
	var cur *netrcEntry
	for i := 0; i < len(toks); i++ {
		next := func() string {
			if i+1 < len(toks) {
				i++
				return toks[i].s
			}
			return ""
		}
		switch toks[i].s {
		case "machine":
			line := toks[i].line
			out = append(out, netrcEntry{machine: next(), line: line})
			cur = &out[len(out)-1]
		case "default":
			out = append(out, netrcEntry{line: toks[i].line})
			cur = &out[len(out)-1]
		case "login":
			if v := next(); cur != nil {
				cur.login = v
			}
		case "password":
			if v := next(); cur != nil {
				cur.password = v
			}
		case "account":
			next()
		}
	}
	return out
}

// netrcFor returns the entry a client takes for host in the netrc file at
// path: the first machine entry naming host (ASCII case-insensitively),
// else the default entry; ok is false when there is neither.
func netrcFor(path, host string) (e netrcEntry, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return e, false
	}
	var def *netrcEntry
	entries := parseNetrc(string(b))
	for i, en := range entries {
		if en.machine == "" && def == nil {
			def = &entries[i]
		}
		if en.machine != "" && strings.EqualFold(en.machine, host) {
			return en, true
		}
	}
	if def != nil {
		return *def, true
	}
	return e, false
}

// netrcPath is the netrc file Python's requests (pip) and uv read: NETRC,
// else ~/.netrc (~/_netrc on Windows when there is no .netrc).
func (e *Env) netrcPath() string {
	if p := e.Getenv("NETRC"); p != "" {
		return p
	}
	return e.homeNetrc()
}

// homeNetrc is the netrc file libcurl (git) reads: ~/.netrc, or ~/_netrc
// on Windows when there is no .netrc.
func (e *Env) homeNetrc() string {
	p := filepath.Join(e.Home, ".netrc")
	if runtime.GOOS == "windows" && !exists(p) {
		return filepath.Join(e.Home, "_netrc")
	}
	return p
}

// netrcRule: a netrc entry for the host is a credential the client uses
// instead of this helper's token (how it does is the client's why). An
// entry holding the token served now is fine.
func netrcRule(f *findings, t *Target, path, why string) {
	en, ok := netrcFor(path, t.Host())
	if !ok {
		return
	}
	if t.served(en.password) {
		f.ok("netrc", "%s line %d holds the token this helper serves now; it stops working when the token expires", path, en.line)
		return
	}
	what := "machine " + en.machine
	if en.machine == "" {
		what = "default"
	}
	f.bad("netrc", "delete the entry \""+what+"\" at line "+strconv.Itoa(en.line)+" of "+path+" (login, password and account lines with it)",
		"%s line %d (%s, login %s) %s", path, en.line, what, en.login, why)
}
