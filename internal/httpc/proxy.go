package httpc

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// ErrProxySetting is a proxy variable that is not a URL.
var ErrProxySetting = errors.New("the proxy setting (HTTPS_PROXY or HTTP_PROXY) is not a URL; fix or unset it")

// ProxyFor returns the proxy for a request to u, nil for none, as Go's
// net/http decides it from the environment read through getenv (nil
// means no proxy): HTTPS_PROXY for https, HTTP_PROXY for http (ignored
// under CGI, when REQUEST_METHOD is set), the upper-case name first; never
// for localhost or a loopback IP; never for a host NO_PROXY matches. A
// proxy without a scheme is http://; socks5:// and socks5h:// are
// SOCKS5 proxies (port 1080 by default) that resolve host names.
func ProxyFor(getenv func(string) string, u *url.URL) (*url.URL, error) {
	return proxyFunc(getenv)(u)
}

// proxyFunc reads the settings once and returns the decision for a URL.
func proxyFunc(getenv func(string) string) func(*url.URL) (*url.URL, error) {
	if getenv == nil {
		return func(*url.URL) (*url.URL, error) { return nil, nil }
	}
	either := func(upper, lower string) string {
		if v := getenv(upper); v != "" {
			return v
		}
		return getenv(lower)
	}
	httpsProxy := either("HTTPS_PROXY", "https_proxy")
	httpProxy := either("HTTP_PROXY", "http_proxy")
	if getenv("REQUEST_METHOD") != "" {
		httpProxy = ""
	}
	noProxy := parseNoProxy(either("NO_PROXY", "no_proxy"))
	return func(u *url.URL) (*url.URL, error) {
		setting := httpProxy
		if u.Scheme == "https" {
			setting = httpsProxy
		}
		if setting == "" || !noProxy.use(u) {
			return nil, nil
		}
		return parseProxy(setting)
	}
}

func parseProxy(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if !strings.Contains(s, "://") && (err != nil || u.Host == "" || !knownProxyScheme(u.Scheme)) {
		if u2, err2 := url.Parse("http://" + s); err2 == nil && u2.Host != "" {
			u, err = u2, nil
		}
	}
	if err != nil || u.Host == "" {
		return nil, ErrProxySetting
	}
	if !knownProxyScheme(u.Scheme) {
		return nil, errors.New("the proxy setting (HTTPS_PROXY or HTTP_PROXY) names a " + u.Scheme + " proxy, which git-credential-ppm does not speak; use an http://, https://, socks5:// or socks5h:// proxy")
	}
	return u, nil
}

func knownProxyScheme(s string) bool {
	switch s {
	case "http", "https", "socks5", "socks5h":
		return true
	}
	return false
}

// noProxy is a parsed NO_PROXY: IPs, CIDR ranges and domain names, each
// with an optional port; "*" matches everything.
type noProxy struct {
	all      bool
	prefixes []netip.Prefix
	ips      []hostMatch
	domains  []hostMatch
}

type hostMatch struct {
	host  string // lower-case; for a domain, ".example.com" matches below it only
	port  string // empty: any
	ip    netip.Addr
	exact bool // a domain that also matches itself
}

func parseNoProxy(s string) noProxy {
	var np noProxy
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		switch {
		case p == "":
			continue
		case p == "*":
			np.all = true
			return np
		}
		if pre, err := netip.ParsePrefix(p); err == nil {
			np.prefixes = append(np.prefixes, pre)
			continue
		}
		host, port, err := net.SplitHostPort(p)
		if err != nil {
			host, port = p, ""
		}
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			np.ips = append(np.ips, hostMatch{ip: ip, port: port})
			continue
		}
		m := hostMatch{port: port}
		host = strings.TrimPrefix(host, "*")
		if strings.HasPrefix(host, ".") {
			m.host = host
		} else {
			m.host, m.exact = "."+host, true
		}
		np.domains = append(np.domains, m)
	}
	return np
}

// use reports whether a request to u goes through a proxy.
func (np noProxy) use(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false
	}
	_, port, _ := net.SplitHostPort(hostPort(u))
	if addr.IsLoopback(host) || np.all {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		for _, p := range np.prefixes {
			if p.Contains(ip) {
				return false
			}
		}
		for _, m := range np.ips {
			if m.ip == ip && (m.port == "" || m.port == port) {
				return false
			}
		}
		return true
	}
	for _, m := range np.domains {
		if m.port != "" && m.port != port {
			continue
		}
		if strings.HasSuffix(host, m.host) || (m.exact && host == m.host[1:]) {
			return false
		}
	}
	return true
}
