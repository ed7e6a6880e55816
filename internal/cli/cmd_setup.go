package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/posit-dev/git-credential-ppm/internal/clients"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// runSetup remembers the addresses named on the command line, then wires
// every client in clients.Table for the addresses in force (or, with
// --remove, undoes what an earlier setup recorded and forgets the
// remembered addresses), printing each change.
func runSetup(e *invocation, args []string) error {
	fs := newFlags(e, "setup")
	dry := fs.Bool("dry-run", false, "show the changes without making them")
	remove := fs.Bool("remove", false, "undo what setup did and forget the remembered addresses")
	if stop, err := parseFlags(e, fs, args); stop {
		return err
	}
	named, err := parseNamedAddresses(fs.Args())
	if err != nil {
		return usagef("setup: %w", err)
	}
	if *remove && len(named) > 0 {
		return usagef("setup: --remove takes no ADDRESS (it undoes everything setup did and forgets every remembered address); run `git-credential-ppm setup --remove`")
	}
	if *remove {
		return runSetupRemove(e, *dry)
	}
	var out []string
	say := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	list, cfg, added, err := planAddresses(e, named, say)
	if err == nil && len(list) == 0 {
		err = errNoAddress
	}
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	s, err := newSetupSession(e, list, *dry)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if added {
		// Written with the clients' changes, after their checks passed.
		s.AlsoWrites = []string{cfg.Path}
		s.BeforeWrite = cfg.Save
	}
	err = clients.Setup(s, clients.Table)
	var blocked *clients.BlockedError
	if errors.As(err, &blocked) {
		for _, line := range blocked.Lines {
			e.errorf("setup: %s", line)
		}
		return errors.New("setup: nothing was changed")
	}
	for _, line := range append(out, s.Out...) {
		fmt.Fprintln(e.stdout, line)
	}
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	return nil
}

// parseNamedAddresses parses setup's ADDRESS arguments (each may hold
// several, separated by commas, as PACKAGEMANAGER_ADDRESS does).
func parseNamedAddresses(args []string) (protocol.Addresses, error) {
	var named protocol.Addresses
	for _, arg := range args {
		list, err := protocol.ParseAddressList(arg)
		if err != nil {
			return nil, err
		}
		named = append(named, list...)
	}
	return named, nil
}

// sameAddress reports whether two spellings name one address (scheme,
// host and port, path).
func sameAddress(a, b string) bool {
	x, err1 := protocol.ParseAddress(a)
	y, err2 := protocol.ParseAddress(b)
	return err1 == nil && err2 == nil && x.SameAs(y)
}

// loadUserConfig reads the user configuration file.
func (inv *invocation) loadUserConfig() (*userconfig.Config, error) {
	path, err := userconfig.Path(inv.getenv)
	if err != nil {
		return nil, err
	}
	return userconfig.Load(path)
}

// planAddresses adds the named addresses to the configuration file as
// read (the caller saves it: added says whether it changed) and returns
// the addresses in force afterwards: PACKAGEMANAGER_ADDRESS's when it is set
// (it overrides the file), else the remembered ones.
func planAddresses(e *invocation, named protocol.Addresses, say func(string, ...any)) (list protocol.Addresses, cfg *userconfig.Config, added bool, err error) {
	if len(named) == 0 {
		list, err := e.addresses()
		return list, nil, false, err
	}
	cfg, err = e.loadUserConfig()
	if err != nil {
		return nil, nil, false, err
	}
	var raws []string
	for _, a := range named {
		raws = append(raws, a.Raw)
	}
	for _, a := range cfg.Add(raws, sameAddress) {
		say("address: remember %s in %s", a, cfg.Path)
		added = true
	}
	if strings.TrimSpace(e.getenv(envAddress)) != "" {
		list, err := e.addresses()
		if err != nil {
			return nil, nil, false, err
		}
		for _, a := range named {
			if !hasAddress(list, a) {
				say("address: warning: %s is set and overrides %s, and it does not name %s: unset it (or add %s to it) for the remembered address to take effect", envAddress, cfg.Path, a.Raw, a.Raw)
			}
		}
		return list, cfg, added, nil
	}
	for _, raw := range cfg.Addresses {
		a, err := protocol.ParseAddress(raw)
		if err != nil {
			return nil, nil, false, fmt.Errorf("%w (remembered in %s); fix the file, or run `git-credential-ppm setup --remove` and then `git-credential-ppm setup ADDRESS`", err, cfg.Path)
		}
		list = append(list, a)
	}
	if len(list) > len(named) {
		say("address: setting up every address remembered in %s: %s", cfg.Path, list)
	}
	return list, cfg, added, nil
}

// hasAddress reports whether list names a, however it is spelled.
func hasAddress(list protocol.Addresses, a protocol.Address) bool {
	_, ok := list.Named(a)
	return ok
}

// runSetupRemove undoes what setup recorded and forgets the remembered
// addresses.
func runSetupRemove(e *invocation, dry bool) error {
	list, _ := e.addresses() // a damaged configuration file must not stop the undo
	s, err := newSetupSession(e, list, dry)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	removed, err := clients.Remove(s, clients.Table)
	for _, line := range s.Out {
		fmt.Fprintln(e.stdout, line)
	}
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	forgot, err := forgetAddresses(e, dry)
	switch {
	case err != nil:
		return fmt.Errorf("setup: %w", err)
	case !removed && !forgot:
		fmt.Fprintf(e.stdout, "Nothing to remove: setup has not changed anything here (%s) and no address is remembered.\n", s.StatePath)
	case dry:
		fmt.Fprintln(e.stdout, "(dry run: nothing was changed)")
	default:
		fmt.Fprintln(e.stdout, "Done: what setup changed is undone.")
	}
	return nil
}

// forgetAddresses removes the remembered addresses from the configuration
// file (a dry run only says so); forgot is false when none was remembered.
func forgetAddresses(e *invocation, dry bool) (forgot bool, err error) {
	path, err := userconfig.Path(e.getenv)
	if err != nil {
		return false, nil // no configuration directory: nothing can be remembered
	}
	cfg, err := userconfig.Load(path)
	if err != nil || len(cfg.Addresses) == 0 {
		return false, err
	}
	fmt.Fprintf(e.stdout, "address: forget %s (remembered in %s)\n", strings.Join(cfg.Addresses, ", "), cfg.Path)
	if dry {
		return true, nil
	}
	cfg.SetAddresses(nil)
	return true, cfg.Save()
}

// clientEnv is what client wiring sees of this invocation.
func clientEnv(e *invocation, list protocol.Addresses) (*clients.Env, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find this program's own path (%w); run it by its full path", err)
	}
	ce, err := clients.NewEnv(e.getenv, self, list)
	if err != nil {
		return nil, err
	}
	ce.Environ = e.environment()
	return ce, nil
}

// newSetupSession reads setup's record, which lives beside tokens.toml.
func newSetupSession(e *invocation, list protocol.Addresses, dry bool) (*clients.Session, error) {
	ce, err := clientEnv(e, list)
	if err != nil {
		return nil, err
	}
	tp, err := e.tokensPath()
	if err != nil {
		return nil, err
	}
	return clients.NewSession(ce, filepath.Join(filepath.Dir(tp), "setup.json"), dry)
}
