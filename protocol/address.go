package protocol

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// Address is a configured Package Manager base URL (one element of
// PACKAGEMANAGER_ADDRESS), normalised for matching requests against it.
//
// Matching rules, for git's attributes and for keyring service strings
// alike:
//   - the scheme must be equal (http or https), ASCII letters compared
//     case-insensitively;
//   - the host is compared with ASCII case folding only, and a host with
//     any non-ASCII character matches nothing: Unicode case folding is not
//     what DNS and IDNA resolve ("posİt.co", with U+0130, is another
//     domain than "posit.co", though strings.ToLower makes them equal). An
//     internationalised name is configured and sent in its xn-- form;
//   - a port equal to the
//     scheme's default (443, 80) is the same as no port, any other port
//     must be equal; IPv6 literals are compared as addresses ("[::1]" is
//     "[0:0::1]");
//   - a trailing dot makes a different host: "ppm.example.com." never
//     matches "ppm.example.com" (nor the other way round). Clients send the
//     host as the person configured it, TLS names carry no dot, and
//     refusing costs nothing but a login prompt that never comes;
//   - hosts with percent-escapes, userinfo ('@'), backslashes or other
//     characters DNS names do not have never match, so that no spelling
//     parsers disagree about can name another host;
//   - a keyring service that is a bare "host[:port]" (no scheme) matches
//     only a plain-http address, which is always on this machine: pip asks
//     for the bare host after any index URL, http ones included, and would
//     send the token in clear to an https server's host;
//   - when the address has a path, a request that names a path must lie
//     under it segment by segment ("/ppm" covers "/ppm/x", not "/ppmx");
//     paths with "." or ".." segments never match.
type Address struct {
	// Scheme is "https", or "http" for a server on this machine.
	Scheme string
	// Host is the host in ASCII lower case, with the port only when it is not the
	// scheme's default; IPv6 literals in brackets, in canonical form.
	Host string
	// Path is the decoded path prefix without a trailing slash; "" for
	// the root.
	Path string
	// Raw is the address as configured (surrounding spaces removed).
	// Token stores key on it: other tools that share tokens.toml compare
	// these strings as they are.
	Raw string
}

// ParseAddress parses one Package Manager base URL. It accepts http and
// https URLs with a host, and tolerates a trailing slash. It refuses
// userinfo (user:password@), a query or fragment, "." or ".." path
// segments, and plain http to anything but this machine (localhost,
// 127.0.0.0/8, ::1), since a token must never cross a network in clear.
// Errors quote the address, never a password in it.
func ParseAddress(s string) (Address, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return Address{}, errors.New("the Package Manager address is empty; set it to a URL such as https://ppm.example.com")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Address{}, fmt.Errorf("the Package Manager address %s is not a URL; use one such as https://ppm.example.com", quoteAddress(raw))
	}
	scheme := addr.LowerASCII(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return Address{}, fmt.Errorf("the Package Manager address %s must start with https:// (or http:// for a server on this machine)", quoteAddress(raw))
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return Address{}, fmt.Errorf("the Package Manager address %s must not contain a user name or password; remove the part before '@'", quoteAddress(raw))
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#") {
		return Address{}, fmt.Errorf("the Package Manager address %s must not have a query (?…) or fragment (#…)", quoteAddress(raw))
	}
	if !isASCII(u.Host) {
		return Address{}, fmt.Errorf("the Package Manager address %s has a host name with non-ASCII characters; write it in its ASCII form (xn--…), as DNS sees it", quoteAddress(raw))
	}
	host, ok := normHost(scheme, u.Host)
	if u.Opaque != "" || !ok {
		return Address{}, fmt.Errorf("the Package Manager address %s has no valid host name; use a URL such as https://ppm.example.com", quoteAddress(raw))
	}
	path := strings.TrimRight(u.Path, "/")
	if hasDotSegment(path) {
		return Address{}, fmt.Errorf("the Package Manager address %s must not contain . or .. path segments", quoteAddress(raw))
	}
	if scheme == "http" && !addr.IsLoopback(u.Hostname()) {
		return Address{}, fmt.Errorf("the Package Manager address %s uses plain http: tokens are never sent over plain http except to this machine; use https://", quoteAddress(raw))
	}
	return Address{Scheme: scheme, Host: host, Path: path, Raw: raw}, nil
}

// quoteAddress quotes a configured address for an error message, with
// any userinfo replaced by "…" (it may hold a password).
func quoteAddress(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			raw = raw[:i+3] + "…@" + rest[at+1:]
		}
	}
	return strconv.Quote(raw)
}

// ParseAddressList parses PACKAGEMANAGER_ADDRESS: addresses separated by
// commas, spaces around them trimmed, empty items ignored. The first bad
// item fails the whole list.
func ParseAddressList(s string) (Addresses, error) {
	var out Addresses
	for _, item := range strings.Split(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		a, err := ParseAddress(item)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// normHost normalises host[:port] for scheme: ASCII lower case, canonical
// IPv6 literal, the default port dropped, leading zeros of the port
// dropped. It refuses anything that is not a DNS-style name (ASCII
// letters, digits, '-', '.', '_'; nothing non-ASCII), an IPv6 literal
// without zone, or a port from 1 to 65535.
func normHost(scheme, hostport string) (string, bool) {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", false
		}
		rest := hostport[end+1:]
		if rest != "" && rest[0] != ':' {
			return "", false
		}
		ip, err := netip.ParseAddr(hostport[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", false
		}
		host = "[" + ip.String() + "]"
		if rest != "" {
			port = rest[1:]
		}
	} else {
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			host, port = hostport[:i], hostport[i+1:]
		}
		if !validHostName(host) {
			return "", false
		}
		host = addr.LowerASCII(host)
	}
	if port != "" {
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return "", false
			}
		}
		port = strings.TrimLeft(port, "0")
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", false
		}
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			port = ""
		}
	}
	if port != "" {
		return host + ":" + port, true
	}
	return host, true
}

// validHostName accepts the characters of a DNS name as clients send it:
// ASCII letters, digits, '-', '.' and '_'.
func validHostName(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// hasDotSegment reports whether a decoded path has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// pathUnder reports whether the decoded path p lies under prefix segment
// by segment (trailing slashes of p ignored). An empty prefix covers all.
func (a Address) pathUnder(p string) bool {
	if hasDotSegment(p) {
		return false
	}
	if a.Path == "" {
		return true
	}
	p = strings.TrimRight(p, "/")
	return p == a.Path || strings.HasPrefix(p, a.Path+"/")
}

// MatchGit reports whether a git credential request belongs to this
// address: protocol equal to the scheme (ASCII case-insensitive), host (with
// port, as git sends it) equal after normalisation, and, when both the
// address and the request have a path, the request's path under the
// address's. git sends the path without a leading slash and only with
// credential.useHttpPath; without one the host decides.
func (a Address) MatchGit(protocol, host, path string) bool {
	if !addr.EqualFoldASCII(protocol, a.Scheme) {
		return false
	}
	if h, ok := normHost(a.Scheme, host); !ok || h != a.Host {
		return false
	}
	if path == "" {
		return true
	}
	return a.pathUnder("/" + strings.TrimLeft(path, "/"))
}

// MatchService reports whether a keyring service string belongs to this
// address. The clients send, in order (docs/contract.md §6): the
// index URL as configured (any path, with or without a trailing slash),
// then "host[:port]", then for non-https "scheme://host[:port]".
//
// A URL matches when it has the address's scheme and host and a path
// under the address's; "scheme://host[:port]" with no path is under an
// address without a path. A bare "host[:port]" carries no scheme: pip
// sends it after any index URL, plain http ones included, so it matches
// only a plain-http address (always on this machine; its scheme is then
// taken as "http"), as does a path-less "http://host[:port]" for an http
// address with a path. For an https address only https:// URLs match.
// A URL with userinfo never matches (the clients strip it before asking).
// The string is used as it is: no spaces are trimmed.
func (a Address) MatchService(service string) bool {
	if service == "" {
		return false
	}
	if !strings.Contains(service, "://") {
		if a.Scheme != "http" {
			return false
		}
		h, ok := normHost(a.Scheme, service)
		return ok && h == a.Host
	}
	u, err := url.Parse(service)
	if err != nil || u.User != nil || u.Opaque != "" || !addr.EqualFoldASCII(u.Scheme, a.Scheme) {
		return false
	}
	if !isASCII(u.Host) {
		return false
	}
	if h, ok := normHost(a.Scheme, u.Host); !ok || h != a.Host {
		return false
	}
	if strings.Trim(u.Path, "/") == "" {
		// scheme://host[:port][/]: under a path-less address; for an http
		// address with a path, the host-level service a bare host is.
		return a.Path == "" || a.Scheme == "http"
	}
	return a.pathUnder(u.Path)
}

// Addresses is the list of addresses in force, in the order configured.
// Its methods are the questions the commands ask of it: which address a
// git request or a keyring service belongs to (the first that matches),
// which one a command line names, and the list for a sentence.
type Addresses []Address

// ForGit returns the address git's request (its protocol, host and path
// attributes) belongs to.
func (l Addresses) ForGit(protocol, host, path string) (Address, bool) {
	for _, a := range l {
		if a.MatchGit(protocol, host, path) {
			return a, true
		}
	}
	return Address{}, false
}

// ForService returns the address a keyring service string belongs to.
func (l Addresses) ForService(service string) (Address, bool) {
	for _, a := range l {
		if a.MatchService(service) {
			return a, true
		}
	}
	return Address{}, false
}

// Named returns the address of the list that want names (SameAs). The
// result is spelled as configured, since the stores key on that spelling.
func (l Addresses) Named(want Address) (Address, bool) {
	for _, a := range l {
		if a.SameAs(want) {
			return a, true
		}
	}
	return Address{}, false
}

// SameAs reports whether a and b name one address: the same scheme, host
// (with port) and path after normalisation, however each was spelled.
func (a Address) SameAs(b Address) bool {
	return a.Scheme == b.Scheme && a.Host == b.Host && a.Path == b.Path
}

// Raws returns each address as configured.
func (l Addresses) Raws() []string {
	raws := make([]string, len(l))
	for i, a := range l {
		raws[i] = a.Raw
	}
	return raws
}

// String is the list as configured, separated by ", ", for a sentence.
func (l Addresses) String() string { return strings.Join(l.Raws(), ", ") }
