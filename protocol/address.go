package protocol

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Address is a configured Package Manager base URL, normalised for
// matching. Raw keeps the spelling the person configured: stores and
// tokens.toml key on it (other tools compare strings).
type Address struct {
	Scheme string // "https" or "http"
	Host   string // lower-case host, with the port only when it is not the scheme's default
	Path   string // path prefix without a trailing slash; "" for the root
	Raw    string // as configured
}

// ParseAddress parses a PACKAGEMANAGER_ADDRESS element. Only http and https
// are accepted, plain http only for loopback (tokens never cross a network
// in clear), and no userinfo, query or fragment.
func ParseAddress(s string) (Address, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return Address{}, fmt.Errorf("the Package Manager address is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Address{}, fmt.Errorf("the Package Manager address %q is not a URL: %v", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return Address{}, fmt.Errorf("the Package Manager address %q must start with https:// (or http:// for a server on this machine)", raw)
	}
	if u.User != nil {
		return Address{}, fmt.Errorf("the Package Manager address %q must not contain a user name or password", redactUser(u))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.Contains(raw, "#") {
		return Address{}, fmt.Errorf("the Package Manager address %q must not have a query or fragment", raw)
	}
	host, ok := normHost(scheme, u.Host)
	if !ok {
		return Address{}, fmt.Errorf("the Package Manager address %q has no valid host", raw)
	}
	if scheme == "http" && !isLoopback(u.Hostname()) {
		return Address{}, fmt.Errorf("the Package Manager address %q uses plain http: tokens are only sent over https (or to this machine); use https://", raw)
	}
	return Address{Scheme: scheme, Host: host, Path: strings.TrimRight(u.EscapedPath(), "/"), Raw: raw}, nil
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("…")
	return c.String()
}

// ParseAddressList parses a comma-separated list; empty items are skipped.
func ParseAddressList(s string) ([]Address, error) {
	var out []Address
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

// isLoopback: localhost, 127.0.0.0/8 and ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normHost lower-cases host[:port] and drops the scheme's default port. It
// refuses anything that is not a plain host name or IP literal: userinfo,
// percent-escapes, spaces, backslashes, an empty host. A trailing dot is
// kept, so "ppm.example.com." is a different host (as it is for TLS).
func normHost(scheme, hostport string) (string, bool) {
	if hostport == "" || strings.ContainsAny(hostport, "@/\\?#% \t\r\n\x00") {
		return "", false
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.Index(hostport, "]")
		if end < 0 {
			return "", false
		}
		host, port = hostport[:end+1], strings.TrimPrefix(hostport[end+1:], ":")
		if rest := hostport[end+1:]; rest != "" && !strings.HasPrefix(rest, ":") {
			return "", false
		}
		if net.ParseIP(strings.Trim(host, "[]")) == nil {
			return "", false
		}
	} else if i := strings.LastIndex(hostport, ":"); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
		if strings.Contains(host, ":") {
			return "", false
		}
	}
	if host == "" || host == "[]" {
		return "", false
	}
	for _, r := range port {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	if strings.Contains(hostport, ":") && port == "" {
		port = "" // "host:" means the default port
	}
	port = strings.TrimLeft(port, "0")
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	host = strings.ToLower(host)
	if port != "" {
		return host + ":" + port, true
	}
	return host, true
}

// MatchGit reports whether a git request (protocol, host with port, and the
// path git sends only with credential.useHttpPath, without a leading slash)
// belongs to this address.
func (a Address) MatchGit(protocol, host, path string) bool {
	if !strings.EqualFold(protocol, a.Scheme) {
		return false
	}
	h, ok := normHost(a.Scheme, host)
	if !ok || h != a.Host {
		return false
	}
	if a.Path == "" || path == "" {
		return true
	}
	return pathUnder("/"+strings.TrimPrefix(path, "/"), a.Path)
}

// pathUnder: p equals prefix or continues it at a segment boundary.
func pathUnder(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// MatchService reports whether a keyring service string belongs to this
// address. pip and uv pass the index URL (any path, with or without a
// trailing slash), then "host[:port]", then (uv, non-https)
// "scheme://host[:port]".
func (a Address) MatchService(service string) bool {
	service = strings.TrimSpace(service)
	if service == "" {
		return false
	}
	if !strings.Contains(service, "://") {
		h, ok := normHost(a.Scheme, service)
		return ok && h == a.Host
	}
	u, err := url.Parse(service)
	if err != nil || u.User != nil || u.Opaque != "" {
		return false
	}
	if !strings.EqualFold(u.Scheme, a.Scheme) {
		return false
	}
	h, ok := normHost(a.Scheme, u.Host)
	if !ok || h != a.Host {
		return false
	}
	if a.Path == "" {
		return true
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	if p == "" {
		return true // scheme://host[:port]: the host-level service
	}
	return pathUnder(p, a.Path)
}
