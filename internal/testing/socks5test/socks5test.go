// Package socks5test is a SOCKS5 proxy (RFC 1928, with the RFC 1929
// username/password method) on the loopback interface, for tests of the
// client that goes through one: it connects the names it is given, and
// any IP address, to 127.0.0.1 (so a made-up name such as ppm.test
// reaches a local server), records every connection it was asked for, and
// can be told to refuse them. Only tests import it.
package socks5test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Server is a running proxy. Set its fields before the first connection.
type Server struct {
	// User and Password, when User is not empty, are required: only the
	// username/password method is accepted. Otherwise only "no
	// authentication" is.
	User, Password string
	// Names are the host names connected to 127.0.0.1; any other name is
	// answered "host unreachable". IP addresses always connect to
	// 127.0.0.1, with the port asked.
	Names []string
	// Reply, when not zero, is the reply code every request gets (a
	// failure) instead of a connection.
	Reply byte

	l    net.Listener
	mu   sync.Mutex
	seen []Request
}

// Request is what one client asked for.
type Request struct {
	Methods []byte // the authentication methods offered
	User    string // the user name sent, if any (never the password)
	Auth    bool   // the user name and password were the right ones
	Target  string // "domain NAME:PORT", "ipv4 A.B.C.D:PORT" or "ipv6 [ADDR]:PORT"
}

// Start listens on 127.0.0.1:0 and serves until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("the SOCKS5 test proxy cannot listen on loopback: %v", err)
	}
	s := &Server{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// Addr is the proxy's host:port.
func (s *Server) Addr() string { return s.l.Addr().String() }

// URL is the proxy's URL with scheme (socks5 or socks5h) and, when user
// is not empty, user:password.
func (s *Server) URL(scheme, user, password string) string {
	if user == "" {
		return scheme + "://" + s.Addr()
	}
	return scheme + "://" + user + ":" + password + "@" + s.Addr()
}

// Requests returns the requests seen so far, the first one first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.seen...)
}

// Targets returns the Target of each request seen so far.
func (s *Server) Targets() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Target)
	}
	return out
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r)
	s.mu.Unlock()
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	var r Request
	recorded := false
	// answer records the request, then sends the answer that ends the
	// negotiation: a client that has its answer finds its request recorded.
	answer := func(b []byte) {
		recorded = true
		s.record(r)
		c.Write(b)
	}
	defer func() {
		if !recorded {
			s.record(r) // the client went away midway
		}
	}()
	head, err := readN(c, 2)
	if err != nil || head[0] != 5 {
		return
	}
	if r.Methods, err = readN(c, int(head[1])); err != nil {
		return
	}
	want := byte(0)
	if s.User != "" {
		want = 2
	}
	if !slices.Contains(r.Methods, want) {
		answer([]byte{5, 0xff})
		return
	}
	c.Write([]byte{5, want})
	if want == 2 {
		ok, err := s.authenticate(c, &r)
		if err != nil {
			return
		}
		if !ok {
			answer([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	}
	target, err := readRequest(c)
	if err != nil {
		return
	}
	r.Target = target.String()
	if s.Reply != 0 {
		answer([]byte{5, s.Reply, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	if target.name != "" && !slices.Contains(s.Names, target.name) {
		answer([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	up, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(target.port))))
	if err != nil {
		answer([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	// The bound address, as a domain name, to exercise the client's reading
	// of a variable-length reply.
	bound := "127.0.0.1"
	reply := append([]byte{5, 0, 0, 3, byte(len(bound))}, bound...)
	answer(append(reply, 0, 0))
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// authenticate reads the RFC 1929 request and says whether it holds the
// right user name and password; an error is a client gone midway.
func (s *Server) authenticate(c net.Conn, r *Request) (bool, error) {
	head, err := readN(c, 2)
	if err != nil || head[0] != 1 {
		return false, errors.New("not a username/password request")
	}
	user, err := readN(c, int(head[1]))
	if err != nil {
		return false, err
	}
	n, err := readN(c, 1)
	if err != nil {
		return false, err
	}
	pass, err := readN(c, int(n[0]))
	if err != nil {
		return false, err
	}
	r.User = string(user)
	r.Auth = r.User == s.User && string(pass) == s.Password
	return r.Auth, nil
}

type target struct {
	name string // a domain name, or
	ip   netip.Addr
	port uint16
}

func (t target) String() string {
	switch {
	case t.name != "":
		return fmt.Sprintf("domain %s:%d", t.name, t.port)
	case t.ip.Is4():
		return "ipv4 " + netip.AddrPortFrom(t.ip, t.port).String()
	}
	return "ipv6 " + netip.AddrPortFrom(t.ip, t.port).String()
}

func readRequest(c net.Conn) (target, error) {
	var t target
	head, err := readN(c, 4)
	if err != nil || head[0] != 5 || head[1] != 1 {
		return t, errors.New("not a CONNECT request")
	}
	var addr []byte
	switch head[3] {
	case 1:
		addr, err = readN(c, 4)
	case 4:
		addr, err = readN(c, 16)
	case 3:
		var n []byte
		if n, err = readN(c, 1); err == nil {
			addr, err = readN(c, int(n[0]))
		}
	default:
		return t, errors.New("unknown address type")
	}
	if err != nil {
		return t, err
	}
	if head[3] == 3 {
		t.name = string(addr)
	} else {
		t.ip, _ = netip.AddrFromSlice(addr)
	}
	port, err := readN(c, 2)
	t.port = uint16(port[0])<<8 | uint16(port[1])
	return t, err
}

func readN(c net.Conn, n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	return b, err
}
