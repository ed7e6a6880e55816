package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

// proxySettings are the proxy variables, read once through getenv: the
// decision for a URL is httpproxy's (Go's ProxyFromEnvironment rules:
// the lower-case name first, NO_PROXY's hosts, domains, IP ranges and
// ports, never a proxy for localhost or a loopback address); ALL_PROXY
// serves a scheme whose own variable is unset, as curl reads it.
// net/http speaks to http, https, socks5 and socks5h proxies; it sends a
// SOCKS5 proxy host names to resolve with both socks5 and socks5h.
type proxySettings struct {
	https, http proxySetting
	decide      func(*url.URL) (*url.URL, error)
}

// proxySetting is one proxy variable's value and its name.
type proxySetting struct{ variable, value string }

func readProxySettings(getenv func(string) string) *proxySettings {
	first := func(names ...string) proxySetting {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return proxySetting{n, v}
			}
		}
		return proxySetting{}
	}
	s := &proxySettings{
		https: first("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"),
		http:  first("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"),
	}
	cfg := httpproxy.Config{
		HTTPSProxy: s.https.value,
		HTTPProxy:  s.http.value,
		NoProxy:    first("no_proxy", "NO_PROXY").value,
		CGI:        getenv("REQUEST_METHOD") != "",
	}
	s.decide = cfg.ProxyFunc()
	return s
}

// setting is the variable that gives the proxy for u's scheme.
func (s *proxySettings) setting(u *url.URL) proxySetting {
	if u.Scheme == "https" {
		return s.https
	}
	return s.http
}

// forURL is the proxy for a request to u, nil for none. A value that is not
// a proxy URL is an error naming its variable (httpproxy would silently go
// direct).
func (s *proxySettings) forURL(u *url.URL) (*url.URL, error) {
	set := s.setting(u)
	if set.value == "" {
		return nil, nil
	}
	if err := checkProxyValue(set); err != nil {
		return nil, err
	}
	return s.decide(u)
}

// checkProxyValue reads a proxy value as httpproxy does (a URL, or
// host[:port] meaning http://host[:port]) and refuses what it cannot use.
// The error never quotes the value: it may hold a password.
func checkProxyValue(set proxySetting) error {
	u, err := url.Parse(set.value)
	if !strings.Contains(set.value, "://") && (err != nil || u.Scheme == "" || u.Host == "") {
		u, err = url.Parse("http://" + set.value)
	}
	if err != nil || u.Host == "" {
		return fmt.Errorf("the proxy setting %s is not a URL; fix or unset it", set.variable)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
		return nil
	}
	return fmt.Errorf("the proxy setting %s names a %s proxy, which git-credential-ppm does not speak; use an http://, https://, socks5:// or socks5h:// proxy", set.variable, u.Scheme)
}

// ProxyFor reports the proxy that carries requests to address (nil when
// they go direct), as the client decides it from the proxy variables read
// through getenv. The proxy URL's password, if any, is removed.
func ProxyFor(getenv func(string) string, address string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the address %q is not a URL", redactedAddress(address))
	}
	p, err := readProxySettings(getenv).forURL(u)
	if err != nil || p == nil {
		return nil, err
	}
	if p.User != nil {
		p.User = url.User(p.User.Username())
	}
	return p, nil
}

// ProxyError is a request that could not get through its proxy. It names
// the proxy without its user name or password, says what went wrong and
// what to do; Err, when not nil, is the cause (a network error).
type ProxyError struct {
	Proxy   string // scheme://host[:port], no credentials
	Problem string // what went wrong, e.g. "cannot be reached"
	Fix     string // what to do
	Err     error
}

func (e *ProxyError) Error() string {
	s := "the proxy " + e.Proxy + " " + e.Problem
	if e.Err != nil {
		s += " (" + causeText(e.Err) + ")"
	}
	return s + "; " + e.Fix
}

// Unwrap returns the cause.
func (e *ProxyError) Unwrap() error { return e.Err }

// proxyName is the proxy's URL without credentials.
func proxyName(p *url.URL) string {
	return (&url.URL{Scheme: p.Scheme, Host: p.Host}).String()
}

// checkConnect is the Transport's OnProxyConnectResponse: an http proxy
// that refuses the tunnel for an https request is a *ProxyError naming the
// proxy and the standard reason of its status (never the proxy's own text).
func (s *proxySettings) checkConnect(_ context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	fix := "check that " + s.https.variable + " names the right proxy, or list the host in NO_PROXY to go direct"
	if resp.StatusCode == http.StatusProxyAuthRequired {
		fix = "check the user name and password in " + s.https.variable + " (http://USER:PASSWORD@" + proxy.Host + ")"
	}
	return &ProxyError{Proxy: proxyName(proxy), Problem: "refused the tunnel to " + req.Host + ": " + statusText(resp.StatusCode), Fix: fix}
}

// explain turns a failure to reach the proxy, a SOCKS5 proxy's refusal, or
// a deadline passed before the proxy gave a connection (connected tells),
// into a *ProxyError; other errors are returned as they are.
func (s *proxySettings) explain(u *url.URL, connected bool, err error) error {
	var pe *ProxyError
	if errors.As(err, &pe) {
		return err
	}
	proxy, perr := s.forURL(u)
	if perr != nil || proxy == nil {
		return err
	}
	set := s.setting(u)
	name := proxyName(proxy)
	var op *net.OpError
	if !errors.As(err, &op) {
		if !connected && isTimeout(err) {
			return &ProxyError{Proxy: name, Problem: "did not give a connection to " + hostPort(u) + " in time", Err: err,
				Fix: "check that " + set.variable + " names a proxy that is running, or list the host in NO_PROXY to go direct"}
		}
		return err
	}
	switch op.Op {
	case "proxyconnect":
		return &ProxyError{Proxy: name, Problem: "cannot be reached", Err: op.Err,
			Fix: "check that it is running and that " + set.variable + " names it, or list the host in NO_PROXY to go direct"}
	case "socks connect":
		return socksError(proxy, set.variable, hostPort(u), op.Err)
	}
	return err
}

// socksError says what a SOCKS5 proxy's failure (net/http's SOCKS5 client,
// RFC 1928 and 1929) means, naming the proxy and never its password.
func socksError(proxy *url.URL, variable, target string, err error) error {
	e := &ProxyError{Proxy: proxyName(proxy),
		Fix: "check that " + variable + " names a SOCKS5 proxy that is running, or list the host in NO_PROXY to go direct"}
	msg := err.Error()
	switch {
	case isTimeout(err):
		e.Problem = "did not answer in time"
	case msg == "username/password authentication failed":
		e.Problem, e.Fix = "refused the user name and password", "check them in "+variable
	case msg == "invalid username/password":
		e.Problem, e.Fix = "cannot be sent this user name and password", "a SOCKS5 user name must be 1 to 255 bytes and a password at most 255: fix them in "+variable
	case msg == "no acceptable authentication methods" && proxy.User == nil:
		e.Problem, e.Fix = "wants a user name and password", "set them in "+variable+" ("+proxy.Scheme+"://USER:PASSWORD@"+proxy.Host+")"
	case msg == "no acceptable authentication methods":
		e.Problem, e.Fix = "accepts neither no authentication nor a user name and password", "git-credential-ppm speaks only those two; ask the proxy's administrator for one of them, or use an http proxy"
	case strings.HasPrefix(msg, "unknown error "):
		e.Problem = "could not connect to " + target + ": " + strings.TrimPrefix(msg, "unknown error ")
	case msg == "FQDN too long":
		e.Problem, e.Fix = "cannot be asked for "+target, "a SOCKS5 proxy takes host names of 1 to 255 bytes"
	case errors.Is(err, io.EOF):
		e.Problem = "closed the connection instead of answering"
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Problem = "closed the connection in the middle of its answer"
	case strings.HasPrefix(msg, "unexpected protocol version"), strings.HasPrefix(msg, "unknown address type"),
		strings.HasPrefix(msg, "invalid username/password version"), msg == "non-zero reserved field",
		strings.HasPrefix(msg, "unsupported authentication method"):
		e.Problem, e.Fix = "answered something that is not SOCKS5", "check that "+variable+" names a SOCKS5 proxy (an http proxy is written http://)"
	default:
		e.Problem, e.Err = "failed", err
	}
	return e
}
