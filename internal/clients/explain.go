package clients

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/posit-dev/git-credential-ppm/protocol"
)

// `doctor URL --for CLIENT` explains, for one repository URL, what a client
// will do with it: which executable runs, where its configuration comes
// from, and the rules of its version that decide whether it asks this
// helper at all. Each client's rules live in its rules_<client>.go, each
// with the version range it applies to and where it was read.

// Target is the URL doctor explains, with what the doctor found about it
// before the clients are asked.
type Target struct {
	// URL is the URL as given, without its password (never printed).
	URL *url.URL
	// User is the user name in the URL, "" when it has none.
	User string
	// HasPassword: the URL carried a password.
	HasPassword bool
	// Address is the configured address the URL falls under; Matched says
	// whether there is one.
	Address protocol.Address
	Matched bool
	// Chain is the certificate chain the server presented (leaf first),
	// when doctor read it; a client that trusts other authorities than
	// this helper does checks it against its own.
	Chain []*x509.Certificate
	// Served reports whether s is the token this helper would serve for
	// Address (a credential left in a file or variable may be that token,
	// or an old one). Nil: no token is served.
	Served func(s string) bool
}

// Host is the URL's host without the port, as netrc files name machines.
func (t *Target) Host() string { return t.URL.Hostname() }

// served reports whether s is the token served for the target.
func (t *Target) served(s string) bool { return t.Served != nil && s != "" && t.Served(s) }

// Finding is one line of `doctor URL`: a check, whether it passed, what
// was found, and the exact fix (a command to paste, or the file and line
// to change). The JSON form is what `doctor URL --json` prints.
type Finding struct {
	Client string `json:"client"`
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
	// Note: information, not a failure (✓ in JSON, "-" on a terminal).
	Note bool `json:"-"`
}

// Explainer is a client whose behaviour for one URL doctor can explain.
type Explainer interface {
	Client
	// Explain returns the findings for t; nil when the client is not
	// installed.
	Explain(e *Env, t *Target) []Finding
}

// Explainers lists, in table order, the clients of table that can
// explain a URL, keeping those named in only (all when only is empty).
func Explainers(table []Client, only string) []Explainer {
	var out []Explainer
	for _, c := range table {
		x, ok := c.(Explainer)
		if ok && (only == "" || strings.EqualFold(c.Name(), only)) {
			out = append(out, x)
		}
	}
	return out
}

// findings collects one client's findings.
type findings struct {
	client string
	list   []Finding
}

func (f *findings) ok(check, format string, args ...any) {
	f.list = append(f.list, Finding{Client: f.client, Check: check, OK: true, Detail: fmt.Sprintf(format, args...)})
}

func (f *findings) note(check, format string, args ...any) {
	f.list = append(f.list, Finding{Client: f.client, Check: check, OK: true, Note: true, Detail: fmt.Sprintf(format, args...)})
}

// bad adds a failed check with its fix.
func (f *findings) bad(check, fix, format string, args ...any) {
	f.list = append(f.list, Finding{Client: f.client, Check: check, Detail: fmt.Sprintf(format, args...), Fix: fix})
}

// Versions is the range of client versions a rule applies to: From
// (included) up to Before (excluded); an empty bound is open.
type Versions struct{ From, Before string }

// Has reports whether version v is in the range. A version that cannot
// be read is taken to be in it: the rule is then shown rather than hidden.
func (r Versions) Has(v string) bool {
	if _, ok := parseVersion(v); !ok {
		return true
	}
	if r.From != "" && compareVersions(v, r.From) < 0 {
		return false
	}
	return r.Before == "" || compareVersions(v, r.Before) < 0
}

// String reads as "23.1 ≤ v < 26.2".
func (r Versions) String() string {
	switch {
	case r.From == "" && r.Before == "":
		return "all versions"
	case r.From == "":
		return "before " + r.Before
	case r.Before == "":
		return r.From + " and later"
	}
	return r.From + " up to " + r.Before + " (excluded)"
}

// parseVersion reads up to three numeric parts of a dotted version; a
// part ends at its first non-digit (24.1b1 is 24.1).
func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".", 4)
	if len(parts) == 0 || parts[0] == "" {
		return out, false
	}
	for i := 0; i < len(parts) && i < 3; i++ {
		d := parts[i]
		for j, r := range d {
			if r < '0' || r > '9' {
				d = d[:j]
				break
			}
		}
		n, err := strconv.Atoi(d)
		if err != nil {
			if i == 0 {
				return out, false
			}
			break
		}
		out[i] = n
	}
	return out, true
}

// compareVersions compares two dotted versions (-1, 0, 1).
func compareVersions(a, b string) int {
	x, _ := parseVersion(a)
	y, _ := parseVersion(b)
	for i := range x {
		switch {
		case x[i] < y[i]:
			return -1
		case x[i] > y[i]:
			return 1
		}
	}
	return 0
}

// safeURL is u for a person: the password replaced by "***" (the user
// name stays: which one a client sends is the point).
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
		return strings.Replace(u.String(), "%2A%2A%2A", "***", 1)
	}
	return u.String()
}

// urlUser returns the user name and whether a password is present in raw.
func urlUser(raw string) (user string, password bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return "", false
	}
	_, password = u.User.Password()
	return u.User.Username(), password
}

// withoutUser is raw without its userinfo, for matching against addresses.
func withoutUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// withTokenUser is raw with the user __token__ and no password.
func withTokenUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User = url.User("__token__")
	return u.String()
}

// underAddress reports whether the index URL raw (any userinfo ignored)
// belongs to the target's address.
func (t *Target) underAddress(raw string) bool {
	if !t.Matched {
		u, err := url.Parse(raw)
		return err == nil && strings.EqualFold(u.Host, t.URL.Host) && strings.EqualFold(u.Scheme, t.URL.Scheme)
	}
	return t.Address.MatchService(withoutUser(raw))
}

// suggestedIndex is the index URL to put in a client's configuration: the
// URL itself when it is an index (…/simple), else the address's PyPI
// repository; with the user __token__.
func (t *Target) suggestedIndex() string {
	u := *t.URL
	u.User = nil
	if strings.Contains(u.Path, "/simple") {
		p := u.Path[:strings.Index(u.Path, "/simple")+len("/simple")] + "/"
		u.Path, u.RawPath = p, ""
	} else {
		base := strings.TrimRight(t.URL.Scheme+"://"+t.URL.Host, "/")
		if t.Matched {
			base = strings.TrimRight(t.Address.Raw, "/")
		}
		return withTokenUser(base + "/pypi/latest/simple/")
	}
	return withTokenUser(u.String())
}
