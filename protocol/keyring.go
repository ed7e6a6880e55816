package protocol

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// KeyringCommand is a parsed command line of the Python keyring CLI
// (jaraco/keyring's keyring/cli.py, 25.x), as pip, uv and pdm run it:
//
//	keyring [-h] [-p KEYRING_PATH] [-b KEYRING_BACKEND] [--list-backends]
//	        [--disable] [--mode {password,creds}] [--output {plain,json}]
//	        [--print-completion {bash,zsh,tcsh}]
//	        [{get,set,del,diagnose}] [service] [username]
//
// keyring has no --version option; `keyring --version` is a usage error
// there and here.
type KeyringCommand struct {
	// Op is "get", "set", "del", "diagnose", or "" when only an option
	// such as --list-backends, --disable or --help was given.
	Op string
	// Service and Username are the positionals after Op. HasUsername
	// tells an absent username from an empty one (keyring passes None).
	Service, Username string
	HasUsername       bool
	// Mode is "password" (the default: print the password) or "creds"
	// (print username and password; the username may be absent).
	Mode string
	// Output is "plain" (the default) or "json".
	Output string
	// ListBackends is --list-backends: list the backends and exit.
	ListBackends bool
	// DisableKR is --disable: keyring would write a config disabling
	// itself and exit.
	DisableKR bool
	// Help is -h/--help. When it is set the rest of the command line was
	// not looked at, as argparse prints help and exits there.
	Help bool
	// Backend is -b/--keyring-backend; BackendPath is -p/--keyring-path.
	// Both are parsed so command lines that carry them work, and ignored.
	Backend, BackendPath string
	// Completion is --print-completion's shell. Like Help it stops
	// parsing: keyring prints a completion script there (or, without
	// shtab installed, a notice on stderr and exits 1).
	Completion string
}

// UsageError is a command line keyring's argparse parser refuses: the
// caller prints KeyringUsage() and then Error() on stderr, and exits 2,
// as keyring does. Msg is argparse's (or cli.py's) message.
type UsageError struct{ Msg string }

// Error returns the line argparse prints after the usage:
// "keyring: error: <Msg>".
func (e *UsageError) Error() string { return "keyring: error: " + e.Msg }

// KeyringUsage returns the usage text keyring prints (argparse's format,
// as CPython 3.11–3.13 wrap it), ending in a newline.
func KeyringUsage() string {
	return "usage: keyring [-h] [-p KEYRING_PATH] [-b KEYRING_BACKEND] [--list-backends]\n" +
		"               [--disable] [--mode {password,creds}] [--output {plain,json}]\n" +
		"               [--print-completion {bash,zsh,tcsh}]\n" +
		"               [{get,set,del,diagnose}] [service] [username]\n"
}

// keyringOption is one option of keyring's parser, in cli.py's order.
type keyringOption struct {
	names   []string // short name first, as argparse prints "-b/--keyring-backend"
	value   bool     // takes one argument
	choices []string
	set     func(c *KeyringCommand, v string)
}

func (o *keyringOption) label() string { return strings.Join(o.names, "/") }

var keyringOptions = [...]keyringOption{
	{names: []string{"-h", "--help"}, set: func(c *KeyringCommand, _ string) { c.Help = true }},
	{names: []string{"-p", "--keyring-path"}, value: true, set: func(c *KeyringCommand, v string) { c.BackendPath = v }},
	{names: []string{"-b", "--keyring-backend"}, value: true, set: func(c *KeyringCommand, v string) { c.Backend = v }},
	{names: []string{"--list-backends"}, set: func(c *KeyringCommand, _ string) { c.ListBackends = true }},
	{names: []string{"--disable"}, set: func(c *KeyringCommand, _ string) { c.DisableKR = true }},
	{names: []string{"--mode"}, value: true, choices: []string{"password", "creds"}, set: func(c *KeyringCommand, v string) { c.Mode = v }},
	{names: []string{"--output"}, value: true, choices: []string{"plain", "json"}, set: func(c *KeyringCommand, v string) { c.Output = v }},
	{names: []string{"--print-completion"}, value: true, choices: []string{"bash", "zsh", "tcsh"}, set: func(c *KeyringCommand, v string) { c.Completion = v }},
}

var keyringOperations = []string{"get", "set", "del", "diagnose"}

// argKind is how argparse classifies one command-line word.
type argKind int

const (
	argPositional argKind = iota
	argOption             // a known option, possibly with an explicit "=value" or attached value
	argUnknown            // looks like an option but is none: "unrecognized arguments"
)

type classified struct {
	kind     argKind
	opt      *keyringOption
	name     string // the option string matched ("-b", "--mode")
	explicit string // value given in the same word
	hasValue bool
}

// classify follows argparse's _parse_optional: known option strings,
// "--opt=value", unambiguous prefixes of long options (allow_abbrev is
// true by default and cli.py keeps it), "-bVALUE"; a lone "-", negative
// numbers and words with a space are positionals.
func classify(arg string) (classified, error) {
	if arg == "" || arg[0] != '-' {
		return classified{kind: argPositional}, nil
	}
	if o, name := exactOption(arg); o != nil {
		return classified{kind: argOption, opt: o, name: name}, nil
	}
	if len(arg) == 1 {
		return classified{kind: argPositional}, nil
	}
	if prefix, v, ok := strings.Cut(arg, "="); ok {
		if o, name := exactOption(prefix); o != nil {
			return classified{kind: argOption, opt: o, name: name, explicit: v, hasValue: true}, nil
		}
	}
	type match struct {
		opt      *keyringOption
		name     string
		explicit string
		hasValue bool
	}
	var matches []match
	if strings.HasPrefix(arg, "--") {
		prefix, v, hasV := strings.Cut(arg, "=")
		for i := range keyringOptions {
			for _, n := range keyringOptions[i].names {
				if strings.HasPrefix(n, prefix) {
					matches = append(matches, match{&keyringOptions[i], n, v, hasV})
				}
			}
		}
	} else {
		short, rest := arg[:2], arg[2:]
		for i := range keyringOptions {
			for _, n := range keyringOptions[i].names {
				switch {
				case n == short:
					matches = append(matches, match{&keyringOptions[i], n, rest, true})
				case strings.HasPrefix(n, arg):
					matches = append(matches, match{&keyringOptions[i], n, "", false})
				}
			}
		}
	}
	switch len(matches) {
	case 1:
		m := matches[0]
		return classified{kind: argOption, opt: m.opt, name: m.name, explicit: m.explicit, hasValue: m.hasValue}, nil
	case 0:
	default:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.name
		}
		return classified{}, &UsageError{fmt.Sprintf("ambiguous option: %s could match %s", arg, strings.Join(names, ", "))}
	}
	if isNegativeNumber(arg) || strings.Contains(arg, " ") {
		return classified{kind: argPositional}, nil
	}
	return classified{kind: argUnknown}, nil
}

func exactOption(s string) (*keyringOption, string) {
	for i := range keyringOptions {
		for _, n := range keyringOptions[i].names {
			if n == s {
				return &keyringOptions[i], n
			}
		}
	}
	return nil, ""
}

// isNegativeNumber is argparse's _negative_number_matcher:
// ^-\d+$|^-\d*\.\d+$ (ASCII digits are all keyring's users send).
func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	body := s[1:]
	if i := strings.IndexByte(body, '.'); i >= 0 {
		return allDigits(body[:i], true) && allDigits(body[i+1:], false)
	}
	return allDigits(body, false)
}

func allDigits(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseKeyringArgs parses keyring's command line (the words after argv0)
// the way cli.py's argparse parser and its checks do, and returns a
// *UsageError for anything keyring would exit 2 on: an unknown option or
// an extra word ("unrecognized arguments: …"), an invalid choice for
// --mode, --output, --print-completion or the operation, an option
// missing its value, an ambiguous abbreviation, no operation, or a
// missing service or username.
//
// Rules, as argparse's: options may come before, between or after the
// positionals; values as "--opt=v", "--opt v", "-bv", "-b=v" or "-b v";
// unambiguous prefixes of long options ("--mo" is --mode); "--" makes
// every later word a positional; a value may not look like an option
// ("-b -x" is an error) but may be a negative number or contain a space.
// -h/--help and --print-completion stop parsing with Help or Completion
// set and no error, unless an earlier word was already an error.
//
// One deliberate difference: CPython's argparse (3.11 to 3.13 at least)
// assigns nargs="?" positionals in one go at the first run of
// positionals, so `keyring get SERVICE -b X USER` fails there with
// "unrecognized arguments: USER". We accept it: no client sends it, and
// being lenient there changes no answer a client could rely on.
//
// password mode needs a username for every operation; creds mode lets
// `get` go without one. --list-backends, --disable and diagnose need
// neither.
func ParseKeyringArgs(args []string) (KeyringCommand, error) {
	c := KeyringCommand{Mode: "password", Output: "plain"}
	var positionals, extras []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			positionals = append(positionals, args[i+1:]...)
			break
		}
		cl, err := classify(arg)
		if err != nil {
			return c, err
		}
		switch cl.kind {
		case argPositional:
			if len(positionals) == 0 && !contains(keyringOperations, arg) {
				return c, invalidChoice("operation", arg, keyringOperations)
			}
			positionals = append(positionals, arg)
			continue
		case argUnknown:
			extras = append(extras, arg)
			continue
		}
		consumed, err := applyOption(&c, cl, args[i+1:])
		if err != nil {
			return c, err
		}
		i += consumed
		if c.Help || c.Completion != "" {
			return c, nil // argparse acts on these at once and exits
		}
	}
	if len(positionals) > 0 && !contains(keyringOperations, positionals[0]) {
		// Only words after "--" get here unchecked.
		return c, invalidChoice("operation", positionals[0], keyringOperations)
	}
	if len(positionals) > 3 {
		extras = append(extras, positionals[3:]...)
		positionals = positionals[:3]
	}
	if len(extras) > 0 {
		return c, &UsageError{"unrecognized arguments: " + strings.Join(extras, " ")}
	}
	if len(positionals) > 0 {
		c.Op = positionals[0]
	}
	if len(positionals) > 1 {
		c.Service = positionals[1]
	}
	if len(positionals) > 2 {
		c.Username, c.HasUsername = positionals[2], true
	}
	// cli.py's run(): these return before _check_args.
	if c.ListBackends || c.DisableKR || c.Op == "diagnose" {
		return c, nil
	}
	if c.Op == "" {
		return c, &UsageError{"Specify operation (get, set, del, diagnose)."}
	}
	needUser := c.Op != "get" || c.Mode != "creds"
	switch {
	case len(positionals) < 2 && needUser:
		return c, &UsageError{c.Op + " requires service and username"}
	case len(positionals) < 2:
		return c, &UsageError{c.Op + " requires service"}
	case len(positionals) < 3 && needUser:
		return c, &UsageError{c.Op + " requires service and username"}
	}
	return c, nil
}

// applyOption applies one option word; rest are the words after it. It
// returns how many of them it consumed as the option's value.
func applyOption(c *KeyringCommand, cl classified, rest []string) (int, error) {
	o := cl.opt
	if !o.value {
		if !cl.hasValue {
			o.set(c, "")
			return 0, nil
		}
		// A short flag with more letters attached ("-hb x") is several
		// short options, as argparse reads them; anything else attached to
		// a flag is an error.
		if len(cl.name) == 2 && cl.explicit != "" && !strings.Contains(cl.name[1:], "-") {
			next, _ := exactOption("-" + cl.explicit[:1])
			if next == nil {
				return 0, &UsageError{fmt.Sprintf("argument %s: ignored explicit argument %s", o.label(), pyRepr(cl.explicit))}
			}
			o.set(c, "")
			tail := cl.explicit[1:]
			return applyOption(c, classified{kind: argOption, opt: next, name: "-" + cl.explicit[:1], explicit: tail, hasValue: tail != ""}, rest)
		}
		return 0, &UsageError{fmt.Sprintf("argument %s: ignored explicit argument %s", o.label(), pyRepr(cl.explicit))}
	}
	v, n := cl.explicit, 0
	if !cl.hasValue {
		if len(rest) == 0 || rest[0] == "--" {
			return 0, &UsageError{fmt.Sprintf("argument %s: expected one argument", o.label())}
		}
		next, err := classify(rest[0])
		if err != nil {
			return 0, err
		}
		if next.kind != argPositional {
			return 0, &UsageError{fmt.Sprintf("argument %s: expected one argument", o.label())}
		}
		v, n = rest[0], 1
	}
	if o.choices != nil && !contains(o.choices, v) {
		return 0, invalidChoice(o.label(), v, o.choices)
	}
	o.set(c, v)
	return n, nil
}

func invalidChoice(what, v string, choices []string) error {
	q := make([]string, len(choices))
	for i, ch := range choices {
		q[i] = pyRepr(ch)
	}
	return &UsageError{fmt.Sprintf("argument %s: invalid choice: %s (choose from %s)", what, pyRepr(v), strings.Join(q, ", "))}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pyRepr quotes s as Python's repr() of a str does, so usage errors read
// like keyring's. Bytes that are not UTF-8 appear as Python shows argv's
// undecodable bytes (surrogateescape): \udcXX.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteByte(quote)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || (r > ' ' && r < 0x7f) || (r >= 0x80 && unicode.IsPrint(r)):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// WriteKeyringAnswer writes a found credential the way keyring's CLI
// prints it for cmd's --mode and --output, each form ending in a newline
// as Python's print() does:
//
//	plain, password mode: <password>
//	plain, creds mode:    <username> NL <password>
//	json, password mode:  {"password": "<password>"}
//	json, creds mode:     {"username": "<username>", "password": "<password>"}
//
// JSON is byte for byte what Python's json.dumps prints with its defaults
// (", " and ": " separators, ensure_ascii: every character outside
// printable ASCII as \uXXXX, surrogate pairs above U+FFFF). Plain output
// cannot carry a line break, so a username or password containing '\n' or
// '\r' is refused there; the error does not quote the value. Invalid
// UTF-8 is refused in both forms. cmd's Mode and Output must be the
// values ParseKeyringArgs gives.
func WriteKeyringAnswer(w io.Writer, cmd KeyringCommand, username, password string) error {
	if !utf8.ValidString(username) || !utf8.ValidString(password) {
		return fmt.Errorf("cannot print the credential: it is not valid UTF-8")
	}
	var out string
	switch cmd.Output {
	case "json":
		switch cmd.Mode {
		case "creds":
			out = `{"username": ` + pyJSONString(username) + `, "password": ` + pyJSONString(password) + "}\n"
		case "password":
			out = `{"password": ` + pyJSONString(password) + "}\n"
		}
	case "plain":
		if strings.ContainsAny(password, "\r\n") || (cmd.Mode == "creds" && strings.ContainsAny(username, "\r\n")) {
			return fmt.Errorf("cannot print the credential as plain lines: it contains a line break")
		}
		switch cmd.Mode {
		case "creds":
			out = username + "\n" + password + "\n"
		case "password":
			out = password + "\n"
		}
	}
	if out == "" {
		return fmt.Errorf("cannot print the credential: unknown keyring mode %q or output %q", cmd.Mode, cmd.Output)
	}
	_, err := io.WriteString(w, out)
	return err
}

// pyJSONString quotes s as Python's json.dumps does with ensure_ascii
// (its default): \" \\ \n \r \t \b \f, every other character outside
// ' '..'~' as \u00XX / \uXXXX, and characters above U+FFFF as a UTF-16
// surrogate pair. '/' is not escaped.
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
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
