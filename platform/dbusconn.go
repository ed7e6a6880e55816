//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// A bus connection whose login costs no round trip. godbus's Auth spends
// four (a bare AUTH to learn the mechanisms, AUTH EXTERNAL, DATA, the
// unix-fd negotiation) before BEGIN, and only then may the first call go
// out. The D-Bus specification lets a client pipeline instead, as sd-bus
// does: it sends "AUTH EXTERNAL", an empty DATA (the bus is to take our
// identity from the socket, as it does for godbus's dialogue) and BEGIN at
// once, followed by its messages, and then reads the bus's "DATA" and
// "OK <guid>" before the first reply. loginConn does that on the socket and
// answers godbus's own dialogue locally, so that godbus (given it through
// dbus.NewConn) sees an ordinary login.
//
// Only for unix sockets on Linux, where the bus learns our uid from the
// socket itself (SO_PEERCRED); other transports, and the BSDs (whose buses
// may want credentials sent with the first byte), use godbus's own dialer.
// godbus knows no mechanism but EXTERNAL here, so a bus that refuses it
// would refuse godbus's dialogue too.

// busSockets returns the unix sockets a bus address names, in order, as
// net.Dial spells them ("@name" for an abstract one), or nil when
// pipelining does not apply: another transport (tcp:, nonce-tcp:,
// unixexec:, launchd:) anywhere in the list, a unix: entry without exactly
// one of path= and abstract=, or not Linux.
func busSockets(address string) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	var socks []string
	for _, entry := range strings.Split(address, ";") {
		if entry == "" {
			continue
		}
		keys, ok := strings.CutPrefix(entry, "unix:")
		if !ok {
			return nil
		}
		sock, found := "", 0
		for _, kv := range strings.Split(keys, ",") {
			key, value, _ := strings.Cut(kv, "=")
			if key != "path" && key != "abstract" {
				continue // guid=, or a listen-only key (dir=, tmpdir=, runtime=)
			}
			v, err := dbus.UnescapeBusAddressValue(value)
			if err != nil || v == "" {
				return nil
			}
			if sock, found = v, found+1; key == "abstract" {
				sock = "@" + v
			}
		}
		if found != 1 {
			return nil
		}
		socks = append(socks, sock)
	}
	return socks
}

// dialPipelined connects to the first of socks that accepts within timeout
// and returns a godbus connection on it, already logged in as far as
// godbus knows; the bus's verdict arrives with the first read, and a
// refusal fails every call.
func dialPipelined(socks []string, timeout time.Duration) (*dbus.Conn, error) {
	var sock net.Conn
	var err error
	for _, s := range socks {
		if sock, err = net.DialTimeout("unix", s, timeout); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	conn, err := dbus.NewConn(newLoginConn(sock))
	if err == nil {
		err = conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Geteuid()))})
	}
	if err != nil {
		sock.Close()
		return nil, err
	}
	return conn, nil
}

// localGUID is what loginConn tells godbus the bus's guid is; the real one
// is checked for form only (godbus uses it for nothing we call).
const localGUID = "00000000000000000000000000000000"

// loginConn is the socket as godbus sees it: before BEGIN, it answers
// godbus's dialogue from local; the real login goes out with the first
// message, and the bus's answer to it is checked on the first read.
type loginConn struct {
	sock net.Conn
	in   *bufio.Reader

	wmu    sync.Mutex
	begun  bool   // godbus sent BEGIN: what it writes now are messages
	local  []byte // the answers to godbus's dialogue, not read yet
	prefix []byte // our login, sent ahead of the first message

	rmu     sync.Mutex
	checked bool  // the bus's OK was read
	err     error // why the bus refused the login
}

func newLoginConn(sock net.Conn) *loginConn {
	return &loginConn{
		sock:   sock,
		in:     bufio.NewReaderSize(sock, 4096),
		prefix: []byte("\x00AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n"),
	}
}

// Write sends a message (our login first, in the same write), or, before
// BEGIN, takes one line of godbus's dialogue and queues its answer.
func (c *loginConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.begun {
		if c.prefix == nil {
			return c.sock.Write(p)
		}
		out := append(c.prefix, p...)
		c.prefix = nil
		n, err := c.sock.Write(out)
		return max(0, n-(len(out)-len(p))), err
	}
	line := string(bytes.TrimPrefix(p, []byte{0}))
	switch {
	case line == "":
		// the nul byte every client sends first
	case line == "AUTH\r\n":
		c.local = append(c.local, "REJECTED EXTERNAL\r\n"...)
	case line == "AUTH EXTERNAL\r\n", strings.HasPrefix(line, "AUTH EXTERNAL ") && strings.HasSuffix(line, "\r\n"):
		// godbus sends no initial response; the bus would ask for one
		// with DATA, which godbus answers empty: OK comes either way.
		c.local = append(c.local, "OK "+localGUID+"\r\n"...)
	case line == "BEGIN\r\n":
		c.begun = true
	default:
		return 0, fmt.Errorf("dbus: unexpected login line %q", strings.TrimSpace(line))
	}
	return len(p), nil
}

// Read returns what godbus reads: before BEGIN, the local answers; then,
// after checking the bus's answer to our login, the bus's messages.
func (c *loginConn) Read(p []byte) (int, error) {
	c.wmu.Lock()
	if !c.begun {
		n := copy(p, c.local)
		c.local = c.local[n:]
		c.wmu.Unlock()
		if n == 0 {
			return 0, errors.New("dbus: login dialogue out of step")
		}
		return n, nil
	}
	c.wmu.Unlock()
	if err := c.checkLogin(); err != nil {
		return 0, err
	}
	return c.in.Read(p)
}

// checkLogin reads the bus's answer to our login once: "OK <guid>" (after
// "DATA", the bus's empty challenge, which our empty DATA answered) lets the
// messages through; anything else fails this and every later read.
func (c *loginConn) checkLogin() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.checked || c.err != nil {
		return c.err
	}
	line, err := c.loginLine()
	if err == nil && line == "DATA\r\n" {
		line, err = c.loginLine()
	}
	if err == nil {
		err = loginAnswer(line)
	}
	c.err, c.checked = err, err == nil
	return err
}

// loginLine reads one line of the bus's answer to the login, with its CRLF.
func (c *loginConn) loginLine() (string, error) {
	line, err := c.in.ReadSlice('\n')
	switch {
	case err == nil:
		return string(line), nil
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("the bus answered the login with %q…, not OK", line[:min(len(line), 40)])
	case len(line) == 0:
		return "", fmt.Errorf("the bus closed the connection instead of answering the login: %w", err)
	}
	return "", fmt.Errorf("the bus answered the login with %q and then %w", line, err)
}

// loginAnswer judges the bus's last answer to the login (one line, with its
// CRLF).
func loginAnswer(line string) error {
	words := strings.Fields(line)
	switch {
	case !strings.HasSuffix(line, "\r\n") || len(words) == 0:
	case words[0] == "OK" && len(words) == 2 && isHexGUID(words[1]):
		return nil
	case words[0] == "REJECTED":
		offers := "nothing"
		if len(words) > 1 {
			offers = strings.Join(words[1:], ", ")
		}
		return fmt.Errorf("the bus refused EXTERNAL authentication for uid %d (it offers %s)", os.Geteuid(), offers)
	}
	return fmt.Errorf("the bus answered the login with %q, not OK", strings.TrimSpace(line[:min(len(line), 40)]))
}

// isHexGUID reports whether s is a bus guid: 32 hexadecimal digits.
func isHexGUID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// Close closes the socket.
func (c *loginConn) Close() error { return c.sock.Close() }
