package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/redact"
	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// invocation is one run of the program: its argv, environment, clock and
// stdio. Commands read process state only through it, so tests can run
// them in-process and nothing reaches for os.Environ or time.Now directly.
type invocation struct {
	args           []string
	getenv         func(string) string
	environ        func() []string // the whole environment, for exec's child
	now            func() time.Time
	stdin          io.Reader
	stdout, stderr io.Writer
	build          Build // what the release build stamped, for `version`

	traceOnce sync.Once
	trace     *tracer
	prompt    *prompter

	httpOnce sync.Once
	client   *http.Client // built by httpClient

	addrOnce sync.Once
	addrList protocol.Addresses
	addrFrom string // PACKAGEMANAGER_ADDRESS, or the configuration file's path
	addrErr  error
}

// errorf prints one line on stderr: redacted, and with control characters
// escaped (server text must not drive the terminal or forge a line).
func (inv *invocation) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(inv.stderr, "git-credential-ppm: "+termtext.Escape(redact.Text(msg)))
}

// clock returns the invocation's clock (time.Now when none was injected).
func (inv *invocation) clock() func() time.Time {
	if inv.now != nil {
		return inv.now
	}
	return time.Now
}

// environment returns the whole environment (none when not injected).
func (inv *invocation) environment() []string {
	if inv.environ != nil {
		return inv.environ()
	}
	return nil
}

// envAddress is the variable that names the Package Manager address(es);
// when set it overrides the remembered ones entirely.
const envAddress = "PACKAGEMANAGER_ADDRESS"

// addresses returns the addresses in force, once per invocation (a get
// needs them to match git's request and again to open the store):
// PACKAGEMANAGER_ADDRESS when it is set, else those remembered in the
// user configuration file (setup ADDRESS, login ADDRESS). None is not an
// error: the helper serves nothing.
func (inv *invocation) addresses() (protocol.Addresses, error) {
	inv.addrOnce.Do(func() {
		inv.addrList, inv.addrFrom, inv.addrErr = loadAddresses(inv.getenv)
	})
	return inv.addrList, inv.addrErr
}

// addressOrigin says where the addresses in force come from, for a person:
// "PACKAGEMANAGER_ADDRESS", or the configuration file's path ("" when
// none is configured).
func (inv *invocation) addressOrigin() string {
	_, _ = inv.addresses()
	return inv.addrFrom
}

// loadAddresses reads the addresses in force and where they come from.
func loadAddresses(getenv func(string) string) (list protocol.Addresses, from string, err error) {
	if raw := strings.TrimSpace(getenv(envAddress)); raw != "" {
		list, err := protocol.ParseAddressList(raw)
		if err != nil {
			return nil, envAddress, fmt.Errorf("%s: %w", envAddress, err)
		}
		return list, envAddress, nil
	}
	path, err := userconfig.Path(getenv)
	if err != nil {
		return nil, "", nil // no configuration directory: nothing remembered
	}
	cfg, err := userconfig.Load(path)
	if err != nil || len(cfg.Addresses) == 0 {
		return nil, "", err
	}
	for _, raw := range cfg.Addresses {
		a, err := protocol.ParseAddress(raw)
		if err != nil {
			return nil, path, fmt.Errorf("%w (remembered in %s); fix the file, or run `git-credential-ppm setup --remove` and then `git-credential-ppm setup ADDRESS`", err, path)
		}
		list = append(list, a)
	}
	return list, path, nil
}

// originDetail says where the addresses in force come from, for status and
// doctor: "from PACKAGEMANAGER_ADDRESS" (and the remembered addresses it
// overrides, if any) or "remembered in <file>".
func (inv *invocation) originDetail() string {
	from := inv.addressOrigin()
	if from != envAddress {
		return describeOrigin(from)
	}
	detail := "from " + envAddress
	if cfg, err := inv.loadUserConfig(); err == nil && len(cfg.Addresses) > 0 {
		detail += fmt.Sprintf(", which overrides the addresses remembered in %s (%s)", cfg.Path, strings.Join(cfg.Addresses, ", "))
	}
	return detail
}

// describeOrigin names where the addresses in force come from, for a
// sentence: "PACKAGEMANAGER_ADDRESS" or "remembered in <file>".
func describeOrigin(from string) string {
	if from == envAddress || from == "" {
		return envAddress
	}
	return "remembered in " + from
}

// configured returns the configured addresses, or errNoAddress when there
// are none.
func (inv *invocation) configured() (protocol.Addresses, error) {
	list, err := inv.addresses()
	if err == nil && len(list) == 0 {
		err = errNoAddress
	}
	return list, err
}

// configuredAddress returns the configured address that raw names, spelled
// as configured (the stores key on that spelling). An address that is not
// configured is refused: tokens and identity tokens go only to configured
// addresses (docs/contract.md §8). The error wraps errNoAddress when none is configured.
func (inv *invocation) configuredAddress(raw string) (protocol.Address, error) {
	want, err := protocol.ParseAddress(raw)
	if err != nil {
		return protocol.Address{}, err
	}
	list, err := inv.configured()
	if err != nil {
		return protocol.Address{}, fmt.Errorf("%s is not a configured address: %w", raw, err)
	}
	if a, ok := list.Named(want); ok {
		return a, nil
	}
	return protocol.Address{}, fmt.Errorf("%s is not one of the configured addresses (%s: %s); tokens go only to configured addresses, so add it there first", raw, describeOrigin(inv.addressOrigin()), list)
}

// tracer returns the trace sink (PPM_CREDENTIAL_TRACE) or nil.
func (inv *invocation) tracer() *tracer {
	inv.traceOnce.Do(func() {
		inv.trace = openTracer(inv.getenv("PPM_CREDENTIAL_TRACE"), inv.stderr)
	})
	return inv.trace
}

func (inv *invocation) tracef(format string, args ...any) {
	if t := inv.tracer(); t != nil {
		t.printf(format, args...)
	}
}

// interactive reports whether a device flow may start, and why not. The
// value of PPM_CREDENTIAL_INTERACTIVE was checked by checkSettings.
func (inv *invocation) interactive() (bool, string) {
	if inv.getenv("GIT_TERMINAL_PROMPT") == "0" {
		return false, "GIT_TERMINAL_PROMPT=0"
	}
	if v := settingValue(inv.getenv, "PPM_CREDENTIAL_INTERACTIVE"); v == "never" {
		return false, "PPM_CREDENTIAL_INTERACTIVE=never"
	}
	return true, ""
}

// addressError is err (from configuredAddress) as the command's error: a
// failure when nothing is configured, else a usage error (the command line
// names an address that is not allowed, or is no address).
func addressError(err error) error {
	if errors.Is(err, errNoAddress) {
		return err
	}
	return &usageError{err: err}
}

var errNoAddress = errors.New("no Package Manager address is configured; run `git-credential-ppm setup https://ppm.example.com` with your Package Manager's URL (it is remembered), or set PACKAGEMANAGER_ADDRESS")
