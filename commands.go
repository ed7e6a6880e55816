package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

const usageText = `git-credential-ppm — Posit Package Manager tokens for git, pip, uv and twine

usage:
  git-credential-ppm get|store|erase        git credential helper protocol (stdin/stdout)
  git-credential-ppm keyring ARGS…          the Python keyring CLI (also when invoked as "keyring")
  git-credential-ppm login [ADDRESS]        sign in now and store the token
  git-credential-ppm logout [ADDRESS]       remove the stored token(s)
  git-credential-ppm status [--json]        what is stored, for which address, until when
  git-credential-ppm exec [--address URL] -- CMD [ARGS…]
                                            run CMD with the token in TWINE_PASSWORD, UV_PUBLISH_PASSWORD, PACKAGEMANAGER_TOKEN
  git-credential-ppm setup [--dry-run|--remove]
                                            wire git, pip and uv to this helper
  git-credential-ppm doctor                 check each piece and say what to fix
  git-credential-ppm version | help [COMMAND]

environment:
  PACKAGEMANAGER_ADDRESS              Package Manager URL(s), comma-separated (required)
  PACKAGEMANAGER_IDENTITY_TOKEN_FILE  OIDC identity token file to exchange (CI); no device flow
  PACKAGEMANAGER_TOKEN                a static token, served as is, never stored
  PACKAGEMANAGER_SSO_TOKEN_FILE       the file store (default ~/.ppm/tokens.toml)
  PPM_CREDENTIAL_STORE                auto | keychain | wincred | secretservice | file
  PPM_CREDENTIAL_INTERACTIVE          auto | never (GIT_TERMINAL_PROMPT=0 also means never)
  PPM_CREDENTIAL_TRACE                1 (stderr) or a file path; secrets are redacted
  BROWSER                             command that opens the login page
`

var commandHelp = map[string]string{
	"login":   "usage: git-credential-ppm login [ADDRESS]\n\nSign in to Package Manager now — with the identity token file when PACKAGEMANAGER_IDENTITY_TOKEN_FILE is set, else with a device flow in the browser — and store the token. Without ADDRESS, every configured address.\n",
	"logout":  "usage: git-credential-ppm logout [ADDRESS]\n\nRemove the stored token for ADDRESS, or for every configured address.\n",
	"status":  "usage: git-credential-ppm status [--json]\n\nFor each configured address: the store in use, whether a token is stored, its subject, expiry and time left. Never prints the token.\n",
	"exec":    "usage: git-credential-ppm exec [--address URL] -- CMD [ARGS…]\n\nRun CMD with TWINE_USERNAME/TWINE_PASSWORD, UV_PUBLISH_USERNAME/UV_PUBLISH_PASSWORD and PACKAGEMANAGER_TOKEN set. A token with less than 10 minutes left is renewed first. Exits with CMD's status.\n",
	"setup":   "usage: git-credential-ppm setup [--dry-run] [--remove]\n\nConfigure git (credential.<address>.helper), pip and uv (keyring-provider = subprocess) and put a `keyring` link on PATH. Changes nothing twice.\n",
	"doctor":  "usage: git-credential-ppm doctor\n\nCheck configuration, the store, the network path to Package Manager, the clock and the git/pip/uv wiring; one line each.\n",
	"keyring": "usage: keyring [-h] [-b BACKEND] [--list-backends] [--mode {password,creds}] [--output {plain,json}] {get,set,del} [service] [username]\n",
	"get":     "usage: git-credential-ppm get|store|erase\n\nThe git credential helper protocol: attributes on stdin, answer on stdout. Configure with\n  git config --global credential.https://ppm.example.com.helper ppm\n",
}

func runVersion(e *env) int {
	fmt.Fprintln(e.stdout, versionLine())
	return 0
}

func runHelp(e *env, rest []string) int {
	if len(rest) > 0 {
		if h, ok := commandHelp[rest[0]]; ok {
			fmt.Fprint(e.stdout, h)
			return 0
		}
	}
	fmt.Fprint(e.stdout, usageText)
	return 0
}

// newFlags returns a FlagSet whose -h/--help prints the command's help on
// stdout and whose errors print one line and the usage on stderr.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args; it returns -1 to continue, else an exit code.
func parseFlags(e *env, fs *flag.FlagSet, args []string) int {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, commandHelp[fs.Name()])
		return 0
	}
	if err != nil {
		e.errorf("%s: %v", fs.Name(), err)
		fmt.Fprint(e.stderr, commandHelp[fs.Name()])
		return 2
	}
	return -1
}

// selectAddresses returns the configured addresses, or the one named on the
// command line (which need not be configured).
func selectAddresses(e *env, args []string) ([]protocol.Address, error) {
	if len(args) > 1 {
		return nil, fmt.Errorf("expected at most one ADDRESS, got %d arguments", len(args))
	}
	if len(args) == 1 {
		a, err := protocol.ParseAddress(args[0])
		if err != nil {
			return nil, err
		}
		return []protocol.Address{a}, nil
	}
	list, err := e.addresses()
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errNoAddress
	}
	return list, nil
}

// addressCommand is the start of login and logout: flags, the addresses
// named or configured, and the token manager. code >= 0 means stop with it.
func addressCommand(e *env, name string, args []string) (list []protocol.Address, m *tokens.Manager, code int) {
	fs := newFlags(e, name)
	if code := parseFlags(e, fs, args); code >= 0 {
		return nil, nil, code
	}
	list, err := selectAddresses(e, fs.Args())
	if err != nil {
		e.errorf("%s: %v", name, err)
		return nil, nil, 2
	}
	m, err = e.manager()
	if err != nil {
		e.errorf("%v", err)
		return nil, nil, 1
	}
	return list, m, -1
}

func runLogin(ctx context.Context, e *env, args []string) int {
	list, m, code := addressCommand(e, "login", args)
	if code >= 0 {
		return code
	}
	// login is a person asking: a device flow may run unless forbidden.
	ctx, stop := interruptible(ctx)
	defer stop()
	code = 0
	for _, a := range list {
		t, err := m.Login(ctx, a.Raw)
		if err != nil {
			e.errorf("%v", err)
			code = 1
			continue
		}
		fmt.Fprintf(e.stderr, "Logged in to %s%s; token stored in %s%s.\n", a.Raw, subjectSuffix(t), m.Store.Name(), expirySuffix(t, time.Now()))
	}
	return code
}

func subjectSuffix(t tokens.Token) string {
	if t.Subject == "" {
		return ""
	}
	return " as " + t.Subject
}

func expirySuffix(t tokens.Token, now time.Time) string {
	if t.Expiry.IsZero() {
		return " (no expiry)"
	}
	return fmt.Sprintf(" (expires %s, in %s)", t.Expiry.Local().Format("2006-01-02 15:04 MST"), t.Expiry.Sub(now).Round(time.Second))
}

func runLogout(e *env, args []string) int {
	list, m, code := addressCommand(e, "logout", args)
	if code >= 0 {
		return code
	}
	code = 0
	for _, a := range list {
		had, err := m.Logout(a.Raw)
		switch {
		case err != nil:
			e.errorf("%v", err)
			code = 1
		case had:
			fmt.Fprintf(e.stderr, "Removed the token for %s from %s.\n", a.Raw, m.Store.Name())
		default:
			fmt.Fprintf(e.stderr, "No token stored for %s in %s.\n", a.Raw, m.Store.Name())
		}
	}
	return code
}

// addressStatus is one address in `status --json`. It never holds the token.
type addressStatus struct {
	Address      string     `json:"address"`
	Store        string     `json:"store"`
	StoreDetail  string     `json:"store_detail"`
	TokenPresent bool       `json:"token_present"`
	Source       string     `json:"source,omitempty"`
	Subject      string     `json:"subject,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	SecondsLeft  *int64     `json:"seconds_left,omitempty"`
	Valid        bool       `json:"valid"`
}

type statusReport struct {
	Configured bool            `json:"configured"`
	Message    string          `json:"message,omitempty"`
	Store      string          `json:"store,omitempty"`
	Addresses  []addressStatus `json:"addresses"`
}

func runStatus(e *env, args []string) int {
	fs := newFlags(e, "status")
	asJSON := fs.Bool("json", false, "print JSON")
	if code := parseFlags(e, fs, args); code >= 0 {
		return code
	}
	rep, err := collectStatus(e)
	if err != nil {
		e.errorf("status: %v", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return 1
		}
		return 0
	}
	if !rep.Configured {
		fmt.Fprintln(e.stdout, rep.Message)
		return 0
	}
	fmt.Fprintf(e.stdout, "store: %s\n", rep.Store)
	for _, a := range rep.Addresses {
		fmt.Fprintf(e.stdout, "%s\n", a.Address)
		if !a.TokenPresent {
			fmt.Fprintf(e.stdout, "  token: none stored (the next git/pip request, or `git-credential-ppm login`, signs in)\n")
			continue
		}
		state := "valid"
		if !a.Valid {
			state = "expired or close to expiry (renewed on the next request)"
		}
		fmt.Fprintf(e.stdout, "  token: present (%s), from %s\n", state, a.Source)
		if a.Subject != "" {
			fmt.Fprintf(e.stdout, "  subject: %s\n", a.Subject)
		}
		if a.ExpiresAt != nil {
			fmt.Fprintf(e.stdout, "  expires: %s (%s left)\n", a.ExpiresAt.Local().Format(time.RFC3339), (time.Duration(*a.SecondsLeft) * time.Second).String())
		} else {
			fmt.Fprintf(e.stdout, "  expires: never (valid until the server rejects it)\n")
		}
	}
	return 0
}

func collectStatus(e *env) (statusReport, error) {
	list, err := e.addresses()
	if err != nil {
		return statusReport{}, err
	}
	if len(list) == 0 {
		return statusReport{Configured: false, Message: errNoAddress.Error() + "; until then this helper serves nothing.", Addresses: []addressStatus{}}, nil
	}
	m, err := e.manager()
	if err != nil {
		return statusReport{}, err
	}
	rep := statusReport{Configured: true, Store: m.Store.Describe(), Addresses: []addressStatus{}}
	now := time.Now()
	for _, a := range list {
		st := addressStatus{Address: a.Raw, Store: m.Store.Name(), StoreDetail: m.Store.Describe()}
		var t tokens.Token
		if m.StaticToken != "" {
			t = tokens.Describe(m.StaticToken, tokens.FromStatic)
		} else if v, err := m.Store.Get(a.Raw); err == nil {
			t = tokens.Describe(v, tokens.FromStore)
		} else if !errors.Is(err, platform.ErrNotFound) {
			return statusReport{}, fmt.Errorf("reading the %s store: %w", m.Store.Name(), err)
		} else if m.Shared != nil {
			if v, err := m.Shared.Get(a.Raw); err == nil {
				t = tokens.Describe(v, tokens.FromShared)
			}
		}
		if t.Value != "" {
			st.TokenPresent = true
			st.Source = string(t.Source)
			st.Subject = t.Subject
			st.Valid = tokens.Fresh(t, now, 0)
			if !t.Expiry.IsZero() {
				exp := t.Expiry.UTC()
				left := int64(t.Expiry.Sub(now).Seconds())
				st.ExpiresAt, st.SecondsLeft = &exp, &left
			}
		}
		rep.Addresses = append(rep.Addresses, st)
	}
	return rep, nil
}
