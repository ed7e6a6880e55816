package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// addressStatus is one address in `status --json`. It never holds the token.
type addressStatus struct {
	Address       string     `json:"address"`
	Store         string     `json:"store"`
	StoreDetail   string     `json:"store_detail"`
	TokenPresent  bool       `json:"token_present"`
	Source        string     `json:"source,omitempty"`
	Subject       string     `json:"subject,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	SecondsLeft   *int64     `json:"seconds_left,omitempty"`
	InvalidExpiry bool       `json:"invalid_expiry,omitempty"`
	Valid         bool       `json:"valid"`
	// RenewDue: the token still works but has less left than it must to
	// be handed out (docs/contract.md §3): the next request renews it.
	RenewDue bool `json:"renew_due,omitempty"`
	// MinSecondsLeft is what the token must have left to be handed out
	// without renewal.
	MinSecondsLeft *int64 `json:"min_seconds_left,omitempty"`
}

// identityStatus is what status shows of the identity token the next
// exchange uses — never the token itself.
type identityStatus struct {
	Issuer    string     `json:"issuer,omitempty"`
	Subject   string     `json:"subject,omitempty"`
	Audience  []string   `json:"audience,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Problem says why the claims are not shown: the token cannot be read
	// or is no JWT, or it would be fetched over the network.
	Problem string `json:"problem,omitempty"`
}

type statusReport struct {
	Configured bool   `json:"configured"`
	Message    string `json:"message,omitempty"`
	// AddressSource is where the addresses come from: "environment"
	// (PACKAGEMANAGER_ADDRESS) or "file" (ConfigFile); "" when none is
	// configured.
	AddressSource string `json:"address_source,omitempty"`
	// AddressDetail says the same for a person.
	AddressDetail string `json:"address_detail,omitempty"`
	// ConfigFile is the user configuration file that remembers addresses
	// (setup ADDRESS, login ADDRESS), whether or not it exists.
	ConfigFile string          `json:"config_file,omitempty"`
	Store      string          `json:"store,omitempty"`
	NextLogin  string          `json:"next_login,omitempty"`
	Identity   *identityStatus `json:"identity,omitempty"`
	Addresses  []addressStatus `json:"addresses"`
	Settings   []settingStatus `json:"settings"`
}

// runStatus reports, per configured address, the token get would serve
// (or the stale one it would replace) and the settings in effect. With no
// address configured it says so and fails (exit 1): the helper serves
// nothing.
func runStatus(_ context.Context, inv *invocation, args []string) error {
	fs := newFlags(inv, "status")
	asJSON := fs.Bool("json", false, "print JSON")
	if stop, err := parseFlags(inv, fs, args); stop {
		return err
	}
	if err := extraArguments(fs, 0); err != nil {
		return err
	}
	rep, err := collectStatus(inv)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(inv.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("status: cannot write the report: %w", err)
		}
		if !rep.Configured {
			return errReported // the report says so
		}
		return nil
	}
	if !rep.Configured {
		return errors.New(rep.Message)
	}
	printStatus(inv, rep)
	return nil
}

// printStatus prints the report for a person: every value that came from
// outside (a JWT's subject, a setting, a store's description) has its
// control characters escaped; --json prints them exactly.
func printStatus(inv *invocation, rep statusReport) {
	esc := termtext.Escape
	fmt.Fprintf(inv.stdout, "addresses: %s\n", esc(rep.AddressDetail))
	fmt.Fprintf(inv.stdout, "store: %s\n", esc(rep.Store))
	fmt.Fprintf(inv.stdout, "next login: %s\n", esc(rep.NextLogin))
	if id := rep.Identity; id != nil {
		if id.Problem != "" {
			fmt.Fprintf(inv.stdout, "  identity token: %s\n", esc(id.Problem))
		} else {
			left := "no expiry"
			if id.ExpiresAt != nil {
				left = "expires " + id.ExpiresAt.Local().Format(time.RFC3339)
			}
			fmt.Fprintf(inv.stdout, "  identity token: %s, %s\n", identityClaimsText(tokens.IdentityClaims{Issuer: id.Issuer, Subject: id.Subject, Audience: id.Audience}), left)
		}
	}
	for _, a := range rep.Addresses {
		fmt.Fprintf(inv.stdout, "%s\n", esc(a.Address))
		if !a.TokenPresent {
			fmt.Fprintf(inv.stdout, "  token: none stored (the next git/pip request, or `git-credential-ppm login`, signs in)\n")
			continue
		}
		state := "valid"
		switch {
		case a.RenewDue:
			state = fmt.Sprintf("valid for now, but under the %s a token must have left to be handed out: the next request renews it", time.Duration(*a.MinSecondsLeft)*time.Second)
		case !a.Valid:
			state = "expired (the next request renews it)"
		}
		fmt.Fprintf(inv.stdout, "  token: present (%s), from %s\n", state, a.Source)
		if a.Subject != "" {
			fmt.Fprintf(inv.stdout, "  subject: %s\n", esc(a.Subject))
		}
		switch {
		case a.InvalidExpiry:
			fmt.Fprintf(inv.stdout, "  expires: its exp claim is not a valid time, so it counts as expired\n")
		case a.ExpiresAt != nil:
			fmt.Fprintf(inv.stdout, "  expires: %s (%s left)\n", a.ExpiresAt.Local().Format(time.RFC3339), (time.Duration(*a.SecondsLeft) * time.Second).String())
		default:
			fmt.Fprintf(inv.stdout, "  expires: never (valid until the server rejects it)\n")
		}
	}
	if len(rep.Settings) > 0 {
		fmt.Fprintf(inv.stdout, "settings:\n")
		for _, s := range rep.Settings {
			if s.Value == "" {
				fmt.Fprintf(inv.stdout, "  %s is set\n", s.Name)
			} else {
				fmt.Fprintf(inv.stdout, "  %s=%s\n", s.Name, esc(s.Value))
			}
		}
	}
}

// collectStatus asks the token lifecycle, with the same lookup rule as
// get, which token each address would be served.
func collectStatus(inv *invocation) (statusReport, error) {
	settings := setSettings(inv.getenv)
	list, err := inv.addresses()
	if err != nil {
		return statusReport{}, err
	}
	cfgPath, _ := userconfig.Path(inv.getenv)
	if len(list) == 0 {
		return statusReport{Configured: false, Message: errNoAddress.Error() + "; until then this helper serves nothing.", ConfigFile: cfgPath, Addresses: []addressStatus{}, Settings: settings}, nil
	}
	m, err := inv.manager()
	if err != nil {
		return statusReport{}, err
	}
	source := "file"
	if inv.addressOrigin() == envAddress {
		source = "environment"
	}
	rep := statusReport{Configured: true, AddressSource: source, AddressDetail: inv.originDetail(), ConfigFile: cfgPath,
		Store: m.StoreDescription(), NextLogin: m.NextLogin(), Identity: identityReport(m), Addresses: []addressStatus{}, Settings: settings}
	now := inv.clock()()
	for _, a := range list {
		st := addressStatus{Address: a.Raw, Store: m.StoreName(), StoreDetail: m.StoreDescription()}
		t, fresh, err := m.Status(a.Raw)
		if err != nil {
			return statusReport{}, err
		}
		if t.Value != "" {
			st.TokenPresent = true
			st.Source = string(t.Source)
			st.Subject = t.Subject
			st.Valid = fresh
			st.InvalidExpiry = t.InvalidExpiry
			st.RenewDue = !fresh && tokens.Usable(t, now)
			if !t.Expiry.IsZero() && !t.InvalidExpiry {
				exp := t.Expiry.UTC()
				left := int64(t.Expiry.Sub(now).Seconds())
				need := int64(tokens.Margin(t, 0).Seconds())
				st.ExpiresAt, st.SecondsLeft, st.MinSecondsLeft = &exp, &left, &need
			}
		}
		rep.Addresses = append(rep.Addresses, st)
	}
	return rep, nil
}

// identityReport shows the claims of the identity token the next exchange
// uses, read as the exchange would read it (a file, a variable; a token
// fetched over the network only by doctor); nil when there is none.
func identityReport(m *tokens.Manager) *identityStatus {
	src := m.NextIdentity()
	if src == nil {
		return nil
	}
	c, err := tokens.PeekIdentity(context.Background(), src, false)
	switch {
	case errors.Is(err, tokens.ErrIdentityRemote):
		return &identityStatus{Problem: "fetched for each exchange; `git-credential-ppm doctor` fetches one and shows its issuer, audience and subject"}
	case err != nil:
		return &identityStatus{Problem: err.Error()}
	}
	st := &identityStatus{Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience}
	if !c.Expiry.IsZero() {
		exp := c.Expiry.UTC()
		st.ExpiresAt = &exp
	}
	return st
}
