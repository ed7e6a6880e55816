package cli

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
	"github.com/posit-dev/git-credential-ppm/internal/clients"
	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// `doctor URL [--for CLIENT] [--json]`: why did this URL get a 401? One
// line per check for the URL: the address it falls under, each client's
// configuration and the rules of its version (internal/clients,
// rules_*.go), the token that would be served and what the server says to
// a real request with it.

// doctorClients are the values of --for.
var doctorClients = []string{"pip", "uv", "git", "twine", "R", "all"}

// doctorURLFlags adds doctor's URL options to fs.
type doctorURLFlags struct {
	only   *string
	asJSON *bool
}

func addDoctorURLFlags(fs *flag.FlagSet) doctorURLFlags {
	return doctorURLFlags{
		only:   fs.String("for", "all", "the client to explain: "+strings.Join(doctorClients, ", ")),
		asJSON: fs.Bool("json", false, "print the checks as a JSON array"),
	}
}

// parseDoctorArgs parses doctor's command line, options before or after
// the URL. It returns the URL ("" for none); stop says the command is
// done, with err.
func parseDoctorArgs(e *invocation, fs *flag.FlagSet, fl doctorURLFlags, args []string) (target string, stop bool, err error) {
	if stop, err := parseFlags(e, fs, args); stop {
		return "", true, err
	}
	if fs.NArg() > 0 {
		target = fs.Arg(0)
		if stop, err := parseFlags(e, fs, fs.Args()[1:]); stop {
			return "", true, err
		}
		if err := extraArguments(fs, 0); err != nil {
			return "", true, err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if target == "" && (set["for"] || set["json"]) {
		return "", true, usagef("doctor: --for and --json explain a URL; run `git-credential-ppm doctor URL --for CLIENT`")
	}
	ok := false
	for _, c := range doctorClients {
		ok = ok || strings.EqualFold(c, *fl.only)
	}
	if !ok {
		return "", true, usagef("doctor: --for %q is not one of %s", *fl.only, strings.Join(doctorClients, ", "))
	}
	return target, false, nil
}

// urlDoctor collects the checks for one URL.
type urlDoctor struct {
	e      *invocation
	now    func() time.Time
	checks []clients.Finding
}

const selfName = "git-credential-ppm"

func (d *urlDoctor) add(f clients.Finding) { d.checks = append(d.checks, f) }

func (d *urlDoctor) ok(check, format string, args ...any) {
	d.add(clients.Finding{Client: selfName, Check: check, OK: true, Detail: fmt.Sprintf(format, args...)})
}

func (d *urlDoctor) bad(check, fix, format string, args ...any) {
	d.add(clients.Finding{Client: selfName, Check: check, Detail: fmt.Sprintf(format, args...), Fix: fix})
}

// parseTarget reads the URL a person pasted. Its password, if any, is
// dropped here and never printed.
func parseTarget(raw string) (*clients.Target, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("the URL must be an http(s) URL with a host, e.g. https://ppm.example.com/pypi/latest/simple/")
	}
	t := &clients.Target{URL: u}
	if u.User != nil {
		t.User = u.User.Username()
		_, t.HasPassword = u.User.Password()
		u.User = nil
		if t.User != "" {
			u.User = url.User(t.User)
		}
	}
	return t, nil
}

// runDoctorURL explains the URL for the clients named by only.
func runDoctorURL(ctx context.Context, e *invocation, raw, only string, asJSON bool) error {
	t, err := parseTarget(raw)
	if err != nil {
		return usagef("doctor: %w", err)
	}
	d := &urlDoctor{e: e, now: e.clock()}
	d.checkAddress(t)
	var tok tokens.Token
	if t.Matched {
		tok = d.checkToken(t)
	}
	if tok.Value != "" {
		value := tok.Value
		t.Served = func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), []byte(value)) == 1 }
	}
	if t.Matched {
		t.Chain = d.serverChain(ctx, t)
	}
	clientChecks := d.explainClients(t, only)
	if tok.Value != "" {
		d.checkRequest(ctx, t, tok)
	}
	// Clients come after the address and before the token, as a person
	// reads them: where the URL goes, what the client does, what the
	// server says.
	n := 1 // the address check
	all := append(append(append([]clients.Finding{}, d.checks[:n]...), clientChecks...), d.checks[n:]...)
	failed := false
	for _, c := range all {
		failed = failed || !c.OK
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			return fmt.Errorf("doctor: cannot write the checks: %w", err)
		}
	} else {
		for _, c := range all {
			mark := "✓"
			switch {
			case !c.OK:
				mark = "✗"
			case c.Note:
				mark = "-"
			}
			line := mark + " " + c.Client + ": " + c.Detail
			if c.Fix != "" {
				line += "; fix: " + c.Fix
			}
			fmt.Fprintln(e.stdout, termtext.Escape(line))
		}
	}
	if failed {
		return errReported // each ✗ line says what to fix
	}
	return nil
}

// checkAddress: which configured address the URL falls under (docs/contract.md §8:
// tokens go only there) and where the addresses come from
// (PACKAGEMANAGER_ADDRESS or the configuration file); with none, the
// `setup ADDRESS` that remembers this URL's server.
func (d *urlDoctor) checkAddress(t *clients.Target) {
	list, err := d.e.addresses()
	from := d.e.addressOrigin()
	if err != nil {
		fix := "fix PACKAGEMANAGER_ADDRESS"
		if from != envAddress {
			fix = "fix the configuration file as the line says, or run git-credential-ppm setup --remove and then git-credential-ppm setup ADDRESS"
		}
		d.bad("address", fix, "%v", err)
		return
	}
	origin := "from " + envAddress
	if from != envAddress {
		origin = describeOrigin(from)
	}
	bare := *t.URL
	bare.User = nil
	if a, ok := list.ForService(bare.String()); ok {
		t.Address, t.Matched = a, true
		d.ok("address", "%s falls under %s (%s)", bare.String(), a.Raw, origin)
		return
	}
	suggest := bare.Scheme + "://" + bare.Host
	if len(list) == 0 {
		d.bad("address", "git-credential-ppm setup "+suggest+" (or: export PACKAGEMANAGER_ADDRESS="+suggest+")", "no Package Manager address is configured, so this helper serves no token for %s", bare.String())
		return
	}
	why := ""
	if bare.Scheme == "http" && !addr.IsLoopback(bare.Hostname()) {
		why = " (tokens never go over plain http except to this machine)"
	}
	fix := "git-credential-ppm setup " + suggest + " if that is your Package Manager"
	if from == envAddress {
		fix = "export PACKAGEMANAGER_ADDRESS=" + list.String() + "," + suggest + " if that is your Package Manager"
	}
	d.bad("address", fix,
		"%s is under none of the configured addresses, %s (%s), so no token is sent there%s", bare.String(), list.String(), origin, why)
}

// checkToken: the token that would be served for the address; never the
// token itself.
func (d *urlDoctor) checkToken(t *clients.Target) tokens.Token {
	m, err := d.e.manager()
	if err != nil {
		d.bad("token", "run git-credential-ppm doctor (without a URL) to check the store", "cannot open the store: %v", err)
		return tokens.Token{}
	}
	tok, ok := m.Cached(t.Address.Raw, tokens.Options{})
	if !ok {
		d.bad("token", "git-credential-ppm login "+t.Address.Raw, "no valid token for %s (none stored, or it expired)", t.Address.Raw)
		return tokens.Token{}
	}
	left := "no expiry"
	if !tok.Expiry.IsZero() {
		left = tok.Expiry.Sub(d.now()).Round(time.Second).String() + " left"
	}
	subject := tok.Subject
	if subject == "" {
		subject = "unknown"
	}
	d.ok("token", "would serve the token from %s (subject %s, %s)", tok.Source, subject, left)
	return tok
}

// explainClients asks each client of the table (or the one named) about t.
func (d *urlDoctor) explainClients(t *clients.Target, only string) []clients.Finding {
	list, _ := d.e.addresses()
	ce, err := clientEnv(d.e, list)
	if err != nil {
		return []clients.Finding{{Client: selfName, Check: "clients", Detail: err.Error(), Fix: "run it by its full path"}}
	}
	if wd, err := os.Getwd(); err == nil {
		ce.Dir = wd
	}
	name := ""
	if !strings.EqualFold(only, "all") {
		name = only
	}
	var out []clients.Finding
	found := false
	xs := clients.Explainers(clients.Table, name)
	if len(xs) == 0 {
		return []clients.Finding{{Client: name, Check: "client", Detail: "this build of git-credential-ppm has no rules for " + name, Fix: "upgrade git-credential-ppm"}}
	}
	for _, x := range xs {
		fs := x.Explain(ce, t)
		found = found || len(fs) > 0
		out = append(out, fs...)
	}
	if !found && name != "" {
		out = append(out, clients.Finding{Client: name, Check: "executable", Detail: name + " is not on PATH (" + ce.Getenv("PATH") + ")", Fix: "install " + name + ", or run doctor with the PATH it runs with"})
	}
	return out
}
