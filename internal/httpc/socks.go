package httpc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
)

// SOCKS version 5 (RFC 1928) with the username/password method (RFC 1929):
// the client side of a CONNECT, enough for a tunnel to one target.

const (
	socksVersion      = 5
	socksNoAuth       = 0x00
	socksUserPass     = 0x02
	socksNoAcceptable = 0xff
	socksCmdConnect   = 1
	socksIPv4         = 1
	socksDomain       = 3
	socksIPv6         = 4
	userPassVersion   = 1
)

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
		s += " (" + e.Err.Error() + ")"
	}
	return s + "; " + e.Fix
}

// Unwrap returns the cause.
func (e *ProxyError) Unwrap() error { return e.Err }

// isSOCKS reports whether proxy is a SOCKS5 proxy. socks5 and socks5h are
// the same here: as Go's net/http does, the proxy resolves host names.
func isSOCKS(proxy *url.URL) bool {
	return proxy != nil && (proxy.Scheme == "socks5" || proxy.Scheme == "socks5h")
}

// proxyName is the proxy's URL without credentials.
func proxyName(proxy *url.URL) string {
	return (&url.URL{Scheme: proxy.Scheme, Host: proxy.Host}).String()
}

// proxyVariable names the setting the proxy for u comes from.
func proxyVariable(u *url.URL) string {
	if u.Scheme == "https" {
		return "HTTPS_PROXY"
	}
	return "HTTP_PROXY"
}

// socksSession is one negotiation with a SOCKS5 proxy on conn for a
// connection to target (host:port).
type socksSession struct {
	conn    net.Conn
	proxy   *url.URL
	target  string
	setting string // the variable the proxy came from
}

// socksConnect asks the SOCKS5 proxy on conn for a connection to target
// with req, socksRequest's. On success conn carries the target's bytes
// from the next one on.
func socksConnect(conn net.Conn, req []byte, target string, proxy *url.URL, setting string) error {
	s := socksSession{conn: conn, proxy: proxy, target: target, setting: setting}
	if err := s.negotiate(); err != nil {
		return err
	}
	if err := s.write(req, "the request for "+target); err != nil {
		return err
	}
	return s.readReply()
}

func (s *socksSession) fail(problem string, err error) error {
	fix := "check that " + s.setting + " names a SOCKS5 proxy that is running, or list the host in NO_PROXY to go direct"
	return &ProxyError{Proxy: proxyName(s.proxy), Problem: problem, Fix: fix, Err: err}
}

func (s *socksSession) failFix(problem, fix string) error {
	return &ProxyError{Proxy: proxyName(s.proxy), Problem: problem, Fix: fix}
}

// write sends b to the proxy; what stopped it is said as a problem.
func (s *socksSession) write(b []byte, what string) error {
	_, err := s.conn.Write(b)
	switch {
	case err == nil:
		return nil
	case isDeadline(err):
		return s.fail("did not take "+what+" in time", err)
	}
	return s.fail("dropped the connection before taking "+what, err)
}

// read fills b from the proxy; what stopped it is said as a problem.
func (s *socksSession) read(b []byte, what string) error {
	_, err := io.ReadFull(s.conn, b)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return s.failFix("closed the connection instead of answering "+what, "check that "+s.setting+" names a SOCKS5 proxy and that it accepts this machine")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return s.failFix("closed the connection in the middle of its answer to "+what, "try again, and check the proxy if it persists")
	case isDeadline(err):
		return s.fail("did not answer "+what+" in time", err)
	}
	return s.fail("failed while answering "+what, err)
}

// negotiate offers the methods we speak — no authentication, and
// username/password when the proxy URL has a user — and runs the one the
// proxy picks.
func (s *socksSession) negotiate() error {
	user := s.proxy.User
	methods := []byte{socksNoAuth}
	if user != nil {
		methods = append(methods, socksUserPass)
	}
	greeting := append([]byte{socksVersion, byte(len(methods))}, methods...)
	if err := s.write(greeting, "the greeting"); err != nil {
		return err
	}
	var answer [2]byte
	if err := s.read(answer[:], "the greeting"); err != nil {
		return err
	}
	if answer[0] != socksVersion {
		return s.notSOCKS()
	}
	switch {
	case answer[1] == socksNoAuth:
		return nil
	case answer[1] == socksUserPass && user != nil:
		return s.authenticate(user)
	case answer[1] == socksNoAcceptable && user == nil:
		return s.failFix("wants a user name and password", "put them in "+s.setting+" ("+s.proxy.Scheme+"://USER:PASSWORD@"+s.proxy.Host+")")
	case answer[1] == socksNoAcceptable:
		return s.failFix("accepts neither no authentication nor a user name and password", "git-credential-ppm speaks only those two; ask the proxy's administrator for one of them, or use an http proxy")
	}
	return s.failFix(fmt.Sprintf("chose an authentication method it was not offered (X'%02X')", answer[1]), "check that "+s.setting+" names a SOCKS5 proxy")
}

// authenticate sends the user name and password (RFC 1929).
func (s *socksSession) authenticate(user *url.Userinfo) error {
	name := user.Username()
	pass, _ := user.Password()
	if len(name) == 0 || len(name) > 255 || len(pass) > 255 {
		return s.failFix("cannot be sent this user name and password", "a SOCKS5 user name must be 1 to 255 bytes and a password at most 255: fix them in "+s.setting)
	}
	msg := make([]byte, 0, 3+len(name)+len(pass))
	msg = append(msg, userPassVersion, byte(len(name)))
	msg = append(msg, name...)
	msg = append(msg, byte(len(pass)))
	msg = append(msg, pass...)
	err := s.write(msg, "the user name and password")
	clear(msg)
	if err != nil {
		return err
	}
	var answer [2]byte
	if err := s.read(answer[:], "the user name and password"); err != nil {
		return err
	}
	if answer[0] != userPassVersion {
		return s.notSOCKS()
	}
	if answer[1] != 0 {
		return s.failFix("refused the user name and password", "check them in "+s.setting)
	}
	return nil
}

// socksRequest is the CONNECT request for target (host:port): an IP
// literal as an IPv4 or IPv6 address, any other host as a domain name the
// proxy resolves.
func socksRequest(target string, proxy *url.URL) ([]byte, error) {
	host, portText, err := net.SplitHostPort(target)
	port, perr := strconv.ParseUint(portText, 10, 16)
	if err != nil || perr != nil {
		return nil, fmt.Errorf("%s is not a host and port a SOCKS5 proxy can connect to", target)
	}
	req := []byte{socksVersion, socksCmdConnect, 0}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.WithZone("").Unmap()
		if ip.Is4() {
			req = append(req, socksIPv4)
		} else {
			req = append(req, socksIPv6)
		}
		req = append(req, ip.AsSlice()...)
	} else {
		if len(host) == 0 || len(host) > 255 {
			return nil, &ProxyError{Proxy: proxyName(proxy), Problem: "cannot be asked for " + target, Fix: "a SOCKS5 proxy takes host names of 1 to 255 bytes"}
		}
		req = append(req, socksDomain, byte(len(host)))
		req = append(req, host...)
	}
	return append(req, byte(port>>8), byte(port)), nil
}

// readReply reads the proxy's answer to CONNECT, up to its last byte and
// no further: what follows belongs to the target.
func (s *socksSession) readReply() error {
	var head [4]byte // VER REP RSV ATYP
	if err := s.read(head[:], "the request for "+s.target); err != nil {
		return err
	}
	if head[0] != socksVersion {
		return s.notSOCKS()
	}
	if head[1] != 0 {
		problem, fix := replyText(head[1])
		return s.failFix("could not connect to "+s.target+": "+problem, fix)
	}
	var addrLen int
	switch head[3] {
	case socksIPv4:
		addrLen = 4
	case socksIPv6:
		addrLen = 16
	case socksDomain:
		var n [1]byte
		if err := s.read(n[:], "the request for "+s.target); err != nil {
			return err
		}
		addrLen = int(n[0])
	default:
		return s.notSOCKS()
	}
	rest := make([]byte, addrLen+2) // BND.ADDR, BND.PORT: not needed
	return s.read(rest, "the request for "+s.target)
}

func (s *socksSession) notSOCKS() error {
	return s.failFix("answered something that is not SOCKS5", "check that "+s.setting+" names a SOCKS5 proxy (an http proxy is written http://)")
}

// replyText says a SOCKS5 reply code (RFC 1928, section 6) in words, with
// what to do.
func replyText(rep byte) (problem, fix string) {
	const reach = "check PACKAGEMANAGER_ADDRESS, and that the proxy can reach that host"
	switch rep {
	case 1:
		return "general SOCKS server failure", "try again, and ask the proxy's administrator if it persists"
	case 2:
		return "not allowed by the proxy's rules", "ask the proxy's administrator to allow it, or list the host in NO_PROXY to go direct"
	case 3:
		return "network unreachable", reach
	case 4:
		return "host unreachable", reach
	case 5:
		return "connection refused", reach + " and that Package Manager is running"
	case 6:
		return "TTL expired", reach
	case 7:
		return "command not supported (the proxy does not do CONNECT)", "use a proxy that supports SOCKS5 CONNECT"
	case 8:
		return "address type not supported", "use a proxy that accepts host names and IP addresses"
	}
	return fmt.Sprintf("unknown reply code X'%02X'", rep), "ask the proxy's administrator"
}
