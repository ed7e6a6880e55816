package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one entry of the command table. The table drives dispatch,
// the usage text and per-command help.
type command struct {
	name    string
	aliases []string
	// synopsis follows the program name in usage lines, e.g. "login [ADDRESS]".
	synopsis string
	// summary is the command's line in the usage text; empty keeps the
	// command out of the list (it is listed with the one before it).
	summary string
	// help is what `help NAME` and `NAME --help` print below the synopsis.
	help string
	// config: the command reads configuration, so the PPM_* values are
	// checked before it runs.
	config bool
	// run does the command; its error decides the exit status (exit.go).
	run func(ctx context.Context, inv *invocation, args []string) error
}

// commands is filled in init: its entries refer to runHelp, which reads it.
var commands []command

func init() {
	gitHelp := "The git credential helper protocol: attributes on stdin, answer on stdout. Configure with (the empty value first keeps other helpers away from the token)\n  git config --global credential.https://ppm.example.com.helper \"\"\n  git config --global --add credential.https://ppm.example.com.helper ppm\n"
	commands = []command{
		{name: "get", synopsis: "get|store|erase", summary: "git credential helper protocol (stdin/stdout)", help: gitHelp, config: true,
			run: gitAction(runGitGet)},
		{name: "store", synopsis: "get|store|erase", help: gitHelp,
			run: gitAction(func(context.Context, *invocation) error { return nil })}, // tokens come from logins, not from git
		{name: "erase", synopsis: "get|store|erase", help: gitHelp, config: true,
			run: gitAction(func(_ context.Context, inv *invocation) error { return runGitErase(inv) })},
		{name: "keyring", synopsis: "keyring ARGS…", summary: `the Python keyring CLI (also when invoked as "keyring")`, config: true,
			help: "Answers as the Python keyring CLI does, for pip, uv and pdm:\n  keyring [-h] [-b BACKEND] [--list-backends] [--mode {password,creds}] [--output {plain,json}] {get,set,del} [service] [username]\n",
			run:  runKeyring},
		{name: "login", synopsis: "login [ADDRESS]", summary: "sign in now and store the token", config: true, run: runLogin,
			help: "Sign in to Package Manager now — with the CI identity token when one is configured (PACKAGEMANAGER_IDENTITY_TOKEN_FILE, PACKAGEMANAGER_IDENTITY_TOKEN, GitHub Actions), else with a device flow in the browser — and store the token. Without ADDRESS, every configured address. A new ADDRESS is remembered once the login worked (as setup ADDRESS does), unless PACKAGEMANAGER_ADDRESS is set (then ADDRESS must be one of it) or an identity token is configured (it goes only to an address set up beforehand).\n"},
		{name: "logout", synopsis: "logout [ADDRESS]", summary: "remove the stored token(s)", config: true, run: runLogout,
			help: "Remove the stored token for ADDRESS, or for every configured address.\n"},
		{name: "status", synopsis: "status [--json]", summary: "what is stored, for which address, until when", config: true, run: runStatus,
			help: "For each configured address: the store in use, whether a token is stored, where it comes from, its subject, expiry and time left; and the settings in effect. Never prints the token.\n"},
		{name: "exec", synopsis: "exec [--address URL] -- CMD [ARGS…]", summary: "run CMD with the token in TWINE_PASSWORD, UV_PUBLISH_PASSWORD, PACKAGEMANAGER_TOKEN", config: true, run: runExec,
			help: "Run CMD with TWINE_USERNAME/TWINE_PASSWORD, UV_PUBLISH_USERNAME/UV_PUBLISH_PASSWORD and PACKAGEMANAGER_TOKEN set, and NETRC and R_DEFAULT_NETRC naming a temporary netrc file with the token (then your own netrc's entries), removed when CMD ends. A token with less than 10 minutes left is renewed first. Exits with CMD's status.\n"},
		{name: "netrc", synopsis: "netrc FILE", summary: "write a netrc file with the token(s), for curl and R", config: true, run: runNetrc,
			help: "Write FILE (created 0600, replaced atomically; not a symbolic link, and in a directory only you can write to) with `machine HOST login __token__ password TOKEN` for each configured address, renewing a token close to expiry first as get does. curl reads it with --netrc-file FILE, R 4.6 and later with options(netrc = FILE). Stdout lists each address, its machine, the token's expiry and when to write the file again, never a token. FILE - writes the file itself to stdout, unless stdout is a terminal. Exit status 1 when an address got no token (the others are written).\n"},
		{name: "setup", synopsis: "setup [ADDRESS…] [--dry-run|--remove]", summary: "remember the address; wire git, pip, uv and R to this helper", config: true,
			run:  func(_ context.Context, inv *invocation, args []string) error { return runSetup(inv, args) },
			help: "Remember ADDRESS (Package Manager's URL; several: separate them with commas) in the user configuration file, so that new shells need no PACKAGEMANAGER_ADDRESS (which, when set, overrides it). Then, for the addresses in force, configure git (credential.<address>.helper), pip and uv (keyring-provider = subprocess), put a `keyring` link on PATH and, when R is installed, add a marked block to R's profile (~/.Rprofile) that hands R the token through a netrc file. Changes nothing twice. --remove undoes what setup changed and forgets the remembered addresses.\n"},
		{name: "doctor", synopsis: "doctor [URL] [--for pip|uv|git|twine|R|all] [--json]", summary: "check each piece and say what to fix; with a URL, why it gets a 401", config: true, run: runDoctor,
			help: "Check configuration, the store, the network path to Package Manager, the clock and the git/pip/uv/R wiring; one line each.\nWith a URL (the one that failed): which configured address it falls under; for each client found (or the one --for names) its executable, version, configuration and the rules of that version that decide whether it asks this helper; the token that would be served and what Package Manager answers to a request with it. Every ✗ says the fix. --json prints the checks as an array of {client, check, ok, detail, fix}.\n"},
		{name: "version", aliases: []string{"--version"}, synopsis: "version | help [COMMAND]", summary: "this program's version; help on a command", run: runVersion,
			help: "Print the version of git-credential-ppm, the Go release it was built with and the platform.\n"},
		{name: "help", aliases: []string{"--help", "-h"}, synopsis: "help [COMMAND]", run: runHelp,
			help: "Print the usage, or the help of COMMAND.\n"},
	}
}

// findCommand returns the command named name (or one of its aliases).
func findCommand(name string) (*command, bool) {
	for i := range commands {
		c := &commands[i]
		if c.name == name {
			return c, true
		}
		for _, a := range c.aliases {
			if a == name {
				return c, true
			}
		}
	}
	return nil, false
}

// usageText is the whole usage: the commands, the environment, the exit
// statuses.
func usageText() string {
	var b strings.Builder
	b.WriteString("git-credential-ppm — Posit Package Manager tokens for git, pip, uv and twine\n\nusage:\n")
	for _, c := range commands {
		if c.summary == "" {
			continue
		}
		line := "  git-credential-ppm " + c.synopsis
		if len(line) < 44 {
			fmt.Fprintf(&b, "%-44s%s\n", line, c.summary)
		} else {
			fmt.Fprintf(&b, "%s\n%44s%s\n", line, "", c.summary)
		}
	}
	b.WriteString("\n" + settingsUsage())
	b.WriteString("\nexit status: 0 success, 1 failure (one line on stderr says why), 2 usage error\n")
	return b.String()
}

// commandHelp is the help of one command.
func (c *command) commandHelp() string {
	return "usage: git-credential-ppm " + c.synopsis + "\n\n" + c.help
}

func runVersion(_ context.Context, inv *invocation, args []string) error {
	if stop, err := noArguments(inv, "version", args); stop {
		return err
	}
	fmt.Fprintln(inv.stdout, versionLine(inv.build))
	return nil
}

func runHelp(_ context.Context, inv *invocation, args []string) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(inv.stdout, usageText())
		return nil
	case len(args) > 1:
		return usagef("help takes one COMMAND, got %d arguments; run `git-credential-ppm help`", len(args))
	}
	if c, ok := findCommand(args[0]); ok {
		fmt.Fprint(inv.stdout, c.commandHelp())
		return nil
	}
	return usagef("help: unknown topic %q; run `git-credential-ppm help` for the list of commands", args[0])
}

// gitAction adapts a git helper action: git passes no arguments after it,
// so any argument is a usage error, except --help.
func gitAction(run func(ctx context.Context, inv *invocation) error) func(context.Context, *invocation, []string) error {
	return func(ctx context.Context, inv *invocation, args []string) error {
		if stop, err := noArguments(inv, inv.args[1], args); stop {
			return err
		}
		return run(ctx, inv)
	}
}

// noArguments is for commands that take no argument: --help prints the
// help, anything else is a usage error. stop says the command is done,
// with err.
func noArguments(inv *invocation, name string, args []string) (stop bool, err error) {
	fs := newFlags(inv, name)
	if stop, err := parseFlags(inv, fs, args); stop {
		return true, err
	}
	if err := extraArguments(fs, 0); err != nil {
		return true, err
	}
	return false, nil
}

// extraArguments is a usage error when fs holds more than max positional
// arguments.
func extraArguments(fs *flag.FlagSet, max int) error {
	if fs.NArg() <= max {
		return nil
	}
	extra := fs.Args()[max:]
	return usagef("%s: unexpected argument %q; run `git-credential-ppm help %s`", fs.Name(), extra[0], fs.Name())
}

// newFlags returns a FlagSet for the command name; parseFlags prints its
// help and errors.
func newFlags(_ *invocation, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args. stop says the command is done: -h/--help printed
// the command's help on stdout (err nil), or the command line is wrong (a
// usage error, followed by the help unless the line names the option
// meant).
func parseFlags(inv *invocation, fs *flag.FlagSet, args []string) (stop bool, err error) {
	err = fs.Parse(args)
	c, _ := findCommand(fs.Name())
	help := ""
	if c != nil {
		help = c.commandHelp()
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(inv.stdout, help)
		return true, nil
	}
	if line := undefinedFlag(fs, args, err); line != "" {
		return true, usagef("%s", line)
	}
	if err != nil {
		return true, &usageError{err: fmt.Errorf("%s: %w", fs.Name(), err), help: help}
	}
	return false, nil
}

// runUnknown follows git's rule for helpers: an action the helper does not
// know is ignored with status 0. A typo of a command or an option is a
// usage error naming the nearest one, wherever it comes from (a CI step
// `git-credential-ppm stup` must not pass); a person at a terminal gets a
// hint and a usage error for any unknown word.
func runUnknown(inv *invocation, cmd string) error {
	if line := typoLine(cmd); line != "" {
		return usagef("%s", line)
	}
	if isTerminal(inv.stdin) {
		return usagef("unknown command %q; run `git-credential-ppm help`", cmd)
	}
	return nil
}
