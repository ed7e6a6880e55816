package protocol

import (
	"fmt"
	"io"
	"strings"
)

// KeyringCommand is a parsed Python keyring CLI command line, as pip, uv
// and pdm invoke it (keyring/cli.py's argparse parser).
type KeyringCommand struct {
	Op           string // "get", "set", "del", or "" (only --list-backends, --help …)
	Service      string
	Username     string
	HasUsername  bool
	Mode         string // "password" (default) or "creds"
	Output       string // "plain" (default) or "json"
	ListBackends bool
	Help         bool
	DisableKR    bool   // --disable
	Backend      string // -b/--keyring-backend, parsed and ignored
	BackendPath  string // -p/--keyring-path, parsed and ignored
}

// UsageError is an argv keyring's argparse would refuse (exit 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return "keyring: error: " + e.Msg }

// KeyringUsage is the usage line keyring prints.
func KeyringUsage() string {
	return "usage: keyring [-h] [-p KEYRING_PATH] [-b KEYRING_BACKEND] [--list-backends] [--disable] [--print-completion {bash,zsh,tcsh}] [--mode {password,creds}] [--output {plain,json}] [{get,set,del,diagnose}] [service] [username]\n"
}

type keyringOpt struct {
	names   []string
	value   bool
	choices []string
	set     func(c *KeyringCommand, v string)
}

var keyringOpts = []keyringOpt{
	{names: []string{"-h", "--help"}, set: func(c *KeyringCommand, _ string) { c.Help = true }},
	{names: []string{"-p", "--keyring-path"}, value: true, set: func(c *KeyringCommand, v string) { c.BackendPath = v }},
	{names: []string{"-b", "--keyring-backend"}, value: true, set: func(c *KeyringCommand, v string) { c.Backend = v }},
	{names: []string{"--list-backends"}, set: func(c *KeyringCommand, _ string) { c.ListBackends = true }},
	{names: []string{"--disable"}, set: func(c *KeyringCommand, _ string) { c.DisableKR = true }},
	{names: []string{"--print-completion"}, value: true, choices: []string{"bash", "zsh", "tcsh"}, set: func(*KeyringCommand, string) {}},
	{names: []string{"--mode"}, value: true, choices: []string{"password", "creds"}, set: func(c *KeyringCommand, v string) { c.Mode = v }},
	{names: []string{"--output"}, value: true, choices: []string{"plain", "json"}, set: func(c *KeyringCommand, v string) { c.Output = v }},
}

// findLongOpt resolves a long option, allowing unambiguous prefixes as
// argparse does (allow_abbrev defaults to True).
func findLongOpt(name string) (*keyringOpt, error) {
	var found *keyringOpt
	for i := range keyringOpts {
		for _, n := range keyringOpts[i].names {
			if !strings.HasPrefix(n, "--") {
				continue
			}
			if n == name {
				return &keyringOpts[i], nil
			}
			if strings.HasPrefix(n, name) {
				if found != nil && found != &keyringOpts[i] {
					return nil, &UsageError{fmt.Sprintf("ambiguous option: %s", name)}
				}
				found = &keyringOpts[i]
			}
		}
	}
	if found == nil {
		return nil, &UsageError{fmt.Sprintf("unrecognized arguments: %s", name)}
	}
	return found, nil
}

func findShortOpt(name string) *keyringOpt {
	for i := range keyringOpts {
		for _, n := range keyringOpts[i].names {
			if n == name {
				return &keyringOpts[i]
			}
		}
	}
	return nil
}

// ParseKeyringArgs parses keyring's argv (after argv0) with argparse's
// rules: options anywhere, `--opt=v` or `--opt v`, `-bVALUE`, `--` ends
// options, unambiguous long prefixes. Up to three positionals: operation,
// service, username.
func ParseKeyringArgs(args []string) (KeyringCommand, error) {
	c := KeyringCommand{Mode: "password", Output: "plain"}
	var pos []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' || isNegativeNumber(arg) {
			pos = append(pos, arg)
			continue
		}
		var opt *keyringOpt
		var val string
		hasVal := false
		if strings.HasPrefix(arg, "--") {
			name, v, eq := strings.Cut(arg, "=")
			o, err := findLongOpt(name)
			if err != nil {
				return c, err
			}
			opt, val, hasVal = o, v, eq
		} else {
			opt = findShortOpt(arg[:2])
			if opt == nil {
				return c, &UsageError{fmt.Sprintf("unrecognized arguments: %s", arg)}
			}
			if len(arg) > 2 {
				if !opt.value {
					return c, &UsageError{fmt.Sprintf("argument %s: ignored explicit argument %q", arg[:2], arg[2:])}
				}
				val, hasVal = strings.TrimPrefix(arg[2:], "="), true
			}
		}
		if !opt.value {
			if hasVal {
				return c, &UsageError{fmt.Sprintf("argument %s: ignored explicit argument %q", opt.names[len(opt.names)-1], val)}
			}
			opt.set(&c, "")
			continue
		}
		if !hasVal {
			if i+1 >= len(args) || (strings.HasPrefix(args[i+1], "-") && len(args[i+1]) > 1) {
				return c, &UsageError{fmt.Sprintf("argument %s: expected one argument", opt.names[len(opt.names)-1])}
			}
			i++
			val = args[i]
		}
		if opt.choices != nil && !contains(opt.choices, val) {
			return c, &UsageError{fmt.Sprintf("argument %s: invalid choice: %q (choose from %s)", opt.names[len(opt.names)-1], val, quoteList(opt.choices))}
		}
		opt.set(&c, val)
	}
	if len(pos) > 3 {
		return c, &UsageError{fmt.Sprintf("unrecognized arguments: %s", strings.Join(pos[3:], " "))}
	}
	if len(pos) >= 1 {
		switch pos[0] {
		case "get", "set", "del", "diagnose":
			c.Op = pos[0]
		default:
			return c, &UsageError{fmt.Sprintf("argument operation: invalid choice: %q (choose from 'get', 'set', 'del', 'diagnose')", pos[0])}
		}
	}
	if len(pos) >= 2 {
		c.Service = pos[1]
	}
	if len(pos) >= 3 {
		c.Username, c.HasUsername = pos[2], true
	}
	switch {
	case c.Help || c.ListBackends || c.DisableKR || c.Op == "diagnose":
	case c.Op == "":
		return c, &UsageError{"an operation (get, set or del) is required"}
	case c.Op == "get" && c.Mode == "creds":
		if c.Service == "" && len(pos) < 2 {
			return c, &UsageError{"get needs a service"}
		}
	default:
		if len(pos) < 3 {
			return c, &UsageError{fmt.Sprintf("%s needs a service and a username", c.Op)}
		}
	}
	return c, nil
}

func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	for _, r := range s[1:] {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = "'" + v + "'"
	}
	return strings.Join(q, ", ")
}

// WriteKeyringAnswer writes a found credential as keyring's CLI does:
// plain password mode prints the password; plain creds mode the username
// and the password on two lines; json prints {"password": …} or
// {"username": …, "password": …} as Python's json.dumps does (", " and ": "
// separators, non-ASCII escaped as \uXXXX), each followed by a newline.
func WriteKeyringAnswer(w io.Writer, c KeyringCommand, username, password string) error {
	var out string
	switch {
	case c.Output == "json" && c.Mode == "creds":
		out = `{"username": ` + pyJSONString(username) + `, "password": ` + pyJSONString(password) + "}\n"
	case c.Output == "json":
		out = `{"password": ` + pyJSONString(password) + "}\n"
	case c.Mode == "creds":
		out = username + "\n" + password + "\n"
	default:
		out = password + "\n"
	}
	_, err := io.WriteString(w, out)
	return err
}

// pyJSONString quotes s as Python's json.dumps with ensure_ascii=True.
func pyJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x10000:
			r1, r2 := utf16Surrogates(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		case r < 0x20 || r >= 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
