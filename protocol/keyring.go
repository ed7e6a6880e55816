package protocol

import (
	"fmt"
	"strings"
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

// KeyringUsageError is a command line keyring's argparse parser refuses: the
// caller prints KeyringUsage() and then Error() on stderr, and exits 2,
// as keyring does. Msg is argparse's (or cli.py's) message.
type KeyringUsageError struct{ Msg string }

// Error returns the line argparse prints after the usage:
// "keyring: error: <Msg>".
func (e *KeyringUsageError) Error() string { return "keyring: error: " + e.Msg }

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

// ParseKeyringArgs parses keyring's command line (the words after argv0)
// the way cli.py's argparse parser and its checks do, and returns a
// *KeyringUsageError for anything keyring would exit 2 on: an unknown option or
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
		return c, &KeyringUsageError{"unrecognized arguments: " + strings.Join(extras, " ")}
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
		return c, &KeyringUsageError{"Specify operation (get, set, del, diagnose)."}
	}
	needUser := c.Op != "get" || c.Mode != "creds"
	switch {
	case len(positionals) < 2 && needUser:
		return c, &KeyringUsageError{c.Op + " requires service and username"}
	case len(positionals) < 2:
		return c, &KeyringUsageError{c.Op + " requires service"}
	case len(positionals) < 3 && needUser:
		return c, &KeyringUsageError{c.Op + " requires service and username"}
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
				return 0, &KeyringUsageError{fmt.Sprintf("argument %s: ignored explicit argument %s", o.label(), pyRepr(cl.explicit))}
			}
			o.set(c, "")
			tail := cl.explicit[1:]
			return applyOption(c, classified{kind: argOption, opt: next, name: "-" + cl.explicit[:1], explicit: tail, hasValue: tail != ""}, rest)
		}
		return 0, &KeyringUsageError{fmt.Sprintf("argument %s: ignored explicit argument %s", o.label(), pyRepr(cl.explicit))}
	}
	v, n := cl.explicit, 0
	if !cl.hasValue {
		if len(rest) == 0 || rest[0] == "--" {
			return 0, &KeyringUsageError{fmt.Sprintf("argument %s: expected one argument", o.label())}
		}
		next, err := classify(rest[0])
		if err != nil {
			return 0, err
		}
		if next.kind != argPositional {
			return 0, &KeyringUsageError{fmt.Sprintf("argument %s: expected one argument", o.label())}
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
	return &KeyringUsageError{fmt.Sprintf("argument %s: invalid choice: %s (choose from %s)", what, pyRepr(v), strings.Join(q, ", "))}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
