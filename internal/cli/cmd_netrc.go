package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// netrcLogin is the user name Package Manager's repositories take with a
// token.
const netrcLogin = "__token__"

// netrcRow is what `netrc` says about one address it wrote: no secret.
type netrcRow struct {
	url        string    // scheme://host[:port]/path, normalised (what the R profile matches URLs against)
	machine    string    // the netrc machine
	expires    time.Time // zero: the token has no expiry
	renewAfter time.Time // when the token stops being fresh; zero with expires
}

// runNetrc writes a netrc file with a token for each configured address,
// for the programs that read one: curl (--netrc-file), R's curl download
// method and, from R 4.6, R itself (options(netrc = FILE)). Stdout says,
// per address, its machine, expiry and when the file should be written
// again (the R profile reads it); never a token.
func runNetrc(ctx context.Context, inv *invocation, args []string) error {
	fs := newFlags(inv, "netrc")
	if stop, err := parseFlags(inv, fs, args); stop {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("netrc: give the FILE to write, e.g. git-credential-ppm netrc \"$RUNNER_TEMP/netrc\" (or - for stdout when it is not a terminal)")
	}
	if err := extraArguments(fs, 1); err != nil {
		return err
	}
	target := fs.Arg(0)
	if target == "-" && isTerminal(inv.stdout) {
		return usagef("netrc: stdout is a terminal, and a token is never printed on one; give a FILE, or redirect stdout")
	}
	list, err := inv.configured()
	if err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	m, err := inv.manager()
	if err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	entries, rows, complete := netrcEntries(ctx, inv, m, list)
	data, err := protocol.FormatNetrc(entries)
	if err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	if target == "-" {
		if _, err := inv.stdout.Write(data); err != nil {
			return fmt.Errorf("netrc: cannot write to stdout: %w", err)
		}
	} else {
		if err := safefile.WritePrivateFile(target, "netrc file", data); err != nil {
			return fmt.Errorf("netrc: %w", err)
		}
		printNetrcRows(inv, target, rows)
	}
	if !complete {
		return errReported // each address without a token had its line
	}
	return nil
}

// netrcEntries gets a token for each address as get does (a fresh one from
// the store, else a renewal), one machine line per host: netrc has no
// ports or paths, so a second address on a host already written gets no
// line of its own and one line on stderr says so. complete is false when an
// address got no token (its error is on stderr); the others are written.
func netrcEntries(ctx context.Context, inv *invocation, m *tokens.Manager, list protocol.Addresses) (entries []protocol.NetrcEntry, rows []netrcRow, complete bool) {
	complete = true
	first := map[string]string{} // machine → the address whose token it carries
	for _, a := range list {
		machine := a.Hostname()
		if other, ok := first[machine]; ok {
			inv.errorf("netrc: %s shares the host %s with %s, and a netrc file names hosts only, so requests to it carry the token of %s", a.Raw, machine, other, other)
			continue
		}
		t, err := inv.tokenFrom(ctx, m, a, tokens.Options{})
		if err != nil {
			inv.errorf("%v", err)
			complete = false
			continue
		}
		first[machine] = a.Raw
		entries = append(entries, protocol.NetrcEntry{Machine: machine, Login: netrcLogin, Password: t.Value})
		rows = append(rows, netrcRow{url: addressURL(a), machine: machine, expires: t.Expiry, renewAfter: renewAfter(t)})
	}
	return entries, rows, complete
}

// addressURL is a's normalised URL: lower-case host, no default port, the
// path escaped, no trailing slash. It has no white space.
func addressURL(a protocol.Address) string {
	return a.Scheme + "://" + a.Host + (&url.URL{Path: a.Path}).EscapedPath()
}

// renewAfter is the first whole second at which t is no longer fresh
// (tokens.Fresh: less than the margin of §3 left), or zero when it has no
// expiry.
func renewAfter(t tokens.Token) time.Time {
	if t.Expiry.IsZero() {
		return time.Time{}
	}
	return t.Expiry.Add(-tokens.Margin(t, 0)).Truncate(time.Second).Add(time.Second)
}

// printNetrcRows prints what was written: a comment naming the file, a
// header, then per address its URL, machine, expiry and the time after
// which the file should be written again (RFC 3339 UTC, or "never").
func printNetrcRows(inv *invocation, target string, rows []netrcRow) {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(inv.stdout, "# wrote %d machine line(s) to %s\n# address machine expires renew_after\n", len(rows), termtext.Escape(target))
	for _, r := range rows {
		fmt.Fprintf(inv.stdout, "%s %s %s %s\n", r.url, r.machine, stamp(r.expires), stamp(r.renewAfter))
	}
}

// execNetrcNames name exec's netrc for the child: NETRC (curl, the curl R
// package, pak) and R_DEFAULT_NETRC (R 4.6 and later, which never reads
// NETRC).
var execNetrcNames = []string{"NETRC", "R_DEFAULT_NETRC"}

// maxOwnNetrc bounds the person's own netrc that exec copies.
const maxOwnNetrc = 1 << 20

// writeExecNetrc writes the netrc exec hands its child: in a new directory
// only this user can enter (0700), a 0600 file with the token for a,
// followed by the person's own netrc (NETRC, else ~/.netrc) so that the
// child's other hosts keep their credentials (curl takes the first entry
// for a host: ours). The caller removes dir when the child has ended.
func writeExecNetrc(inv *invocation, a protocol.Address, token string) (dir, file string, err error) {
	data, err := protocol.FormatNetrc([]protocol.NetrcEntry{{Machine: a.Hostname(), Login: netrcLogin, Password: token}})
	if err != nil {
		return "", "", err
	}
	if own := inv.ownNetrc(); len(own) > 0 {
		data = append(data, own...)
		if own[len(own)-1] != '\n' {
			data = append(data, '\n')
		}
	}
	dir, err = os.MkdirTemp("", "git-credential-ppm-")
	if err != nil {
		return "", "", fmt.Errorf("cannot create a temporary directory for the netrc file (%w); check TMPDIR", err)
	}
	file = filepath.Join(dir, "netrc")
	if err := safefile.WritePrivateFile(file, "netrc file", data); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return dir, file, nil
}

// ownNetrc reads the person's netrc as curl finds it (NETRC, else
// ~/.netrc), or nothing when there is none or it cannot be read.
func (inv *invocation) ownNetrc() []byte {
	p := inv.getenv("NETRC")
	if p == "" {
		home, err := platform.HomeDir(inv.getenv)
		if err != nil {
			return nil
		}
		p = filepath.Join(home, ".netrc")
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err == nil && !fi.Mode().IsRegular():
		err = errors.New("not a regular file")
	}
	var f *os.File
	if err == nil {
		f, err = os.Open(p)
	}
	if err != nil {
		inv.tracef("exec: not copying your netrc %s into the child's: %v", p, err)
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxOwnNetrc+1))
	if err != nil || len(b) > maxOwnNetrc {
		inv.tracef("exec: not copying your netrc %s into the child's: unreadable or over 1 MiB", p)
		return nil
	}
	return b
}
