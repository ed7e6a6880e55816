package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/clients"
	"github.com/posit-dev/git-credential-ppm/oauth"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// maxClockSkew beyond which tokens look expired (or not yet valid) to one
// side.
const maxClockSkew = 30 * time.Second

type doctor struct {
	e      *invocation
	now    func() time.Time // the local clock compared with the server's
	failed bool
}

func (d *doctor) ok(format string, args ...any) {
	fmt.Fprintf(d.e.stdout, "✓ "+format+"\n", args...)
}

func (d *doctor) bad(format string, args ...any) {
	d.failed = true
	fmt.Fprintf(d.e.stdout, "✗ "+format+"\n", args...)
}

func (d *doctor) note(format string, args ...any) {
	fmt.Fprintf(d.e.stdout, "- "+format+"\n", args...)
}

// runDoctor checks each piece a person would otherwise debug by hand, one
// line each: ✓, or ✗ and what to do.
func runDoctor(ctx context.Context, e *invocation, args []string) error {
	fs := newFlags(e, "doctor")
	fl := addDoctorURLFlags(fs)
	target, stop, err := parseDoctorArgs(e, fs, fl, args)
	if stop {
		return err
	}
	if target != "" {
		return runDoctorURL(ctx, e, target, *fl.only, *fl.asJSON)
	}
	d := &doctor{e: e, now: e.clock()}
	list, err := e.addresses()
	switch {
	case err != nil:
		d.bad("configuration: %v", err)
		return errReported
	case len(list) == 0:
		d.bad("configuration: %v", errNoAddress)
		return errReported
	default:
		d.ok("configuration: %s (%s)", list, e.originDetail())
	}
	d.checkIdentity(ctx)
	d.checkTrust()
	m := d.checkStore()
	for _, a := range list {
		d.checkServer(ctx, a)
		if m != nil {
			d.checkToken(m, a)
		}
	}
	d.checkClients(list)
	if d.failed {
		return errReported // each ✗ line says what to fix
	}
	return nil
}

// checkStore checks the token directory (docs/contract.md §8), then writes, reads back
// and deletes a probe item (through the tokens package, the one door to the
// store).
func (d *doctor) checkStore() *tokens.Manager {
	if dir, err := d.e.checkTokenDir(); err != nil {
		d.bad("token directory: %v", err)
	} else {
		d.ok("token directory: %s (yours; only you can write to it)", dir)
	}
	m, err := d.e.manager()
	if err != nil {
		d.bad("store: %v", err)
		return nil
	}
	if err := m.ProbeStore(); err != nil {
		d.bad("store %s: %v", m.StoreDescription(), err)
	} else {
		d.ok("store: %s (write, read back, delete)", m.StoreDescription())
	}
	return m
}

// checkServer: reachable over TLS, the token endpoint answers like PPM,
// and the clocks agree.
func (d *doctor) checkServer(ctx context.Context, a protocol.Address) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	d.checkProxy(a)
	client := d.e.httpClient()
	endpoint := strings.TrimRight(a.Raw, "/") + oauth.PathToken
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		d.bad("%s: not a URL to send requests to (%s); check PACKAGEMANAGER_ADDRESS", a.Raw, oauth.ErrorText(err))
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	rtt := time.Since(start)
	if err != nil {
		var proxyErr *oauth.ProxyError
		if line := tlsFailure(a, err); line != "" {
			d.bad("%s", line)
		} else if errors.As(err, &proxyErr) {
			d.bad("%s: not reachable: %v", a.Raw, proxyErr) // it says what to do
		} else {
			d.bad("%s: not reachable (%s); check the address, VPN or proxy", a.Raw, oauth.ErrorText(err))
		}
		return
	}
	defer resp.Body.Close()
	if a.Scheme == "https" {
		d.ok("%s: reachable over TLS (%s)", a.Raw, rtt.Round(time.Millisecond))
	} else {
		d.ok("%s: reachable (plain http on this machine, %s)", a.Raw, rtt.Round(time.Millisecond))
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var oe struct {
		Error string `json:"error"`
	}
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && json.Unmarshal(body, &oe) == nil && oe.Error != "" {
		d.ok("%s: Package Manager's token endpoint answers (%s to an empty request, as expected)", a.Raw, oe.Error)
	} else {
		d.bad("%s: %s answered %d without an OAuth error: is this the Package Manager URL, and is login (OIDC) enabled?", a.Raw, oauth.PathToken, resp.StatusCode)
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		d.note("clock: %s sent no Date header (not checked)", a.Raw)
	} else {
		// The server stamped Date about half a round trip before we got it.
		skew := d.now().Sub(date) - rtt/2
		ahead := "ahead of"
		if skew < 0 {
			skew, ahead = -skew, "behind"
		}
		// Date has one-second resolution.
		if skew > maxClockSkew+time.Second {
			d.bad("clock: this machine's clock is %s %s the server's; tokens will look expired or not yet valid — sync the clock (NTP, e.g. timedatectl set-ntp true)", skew.Round(time.Second), ahead)
		} else {
			d.ok("clock: within %s of the server's", maxClockSkew)
		}
	}
}

func (d *doctor) checkToken(m *tokens.Manager, a protocol.Address) {
	if t, ok := m.Cached(a.Raw, tokens.Options{}); ok {
		left := "no expiry"
		if !t.Expiry.IsZero() {
			left = t.Expiry.Sub(d.now()).Round(time.Second).String() + " left"
		}
		d.ok("%s: token from %s (%s)", a.Raw, t.Source, left)
		return
	}
	if t, _, _ := m.Status(a.Raw); tokens.Usable(t, d.now()) {
		d.note("%s: the token from %s has %s left, under the %s a token must have to be handed out; the next request renews it (%s)", a.Raw, t.Source, t.Expiry.Sub(d.now()).Round(time.Second), tokens.Margin(t, 0).Round(time.Second), m.NextLogin())
		return
	}
	d.note("%s: no valid token stored; the next request logs in, or run `git-credential-ppm login`", a.Raw)
}

// checkClients runs each client's check from clients.Table, one line
// each. A client that is installed but not set up is a note when another
// client is wired (a git-only user is not failed for pip), and a failure
// when none is (the helper serves nobody).
func (d *doctor) checkClients(list protocol.Addresses) {
	ce, err := clientEnv(d.e, list)
	if err != nil {
		d.bad("clients: %v", err)
		return
	}
	reports := clients.CheckAll(ce, clients.Table)
	anyWired := false
	for _, r := range reports {
		anyWired = anyWired || r.Wired
	}
	for _, r := range reports {
		for _, l := range r.Lines {
			switch {
			case l.Level == clients.OK:
				d.ok("%s", l.Text)
			case l.Level == clients.Problem, l.Level == clients.Unwired && !anyWired:
				d.bad("%s", l.Text)
			default:
				d.note("%s", l.Text)
			}
		}
	}
}
