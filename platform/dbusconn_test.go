//go:build linux

package platform

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

func TestBusSockets(t *testing.T) {
	for _, c := range []struct {
		address string
		want    []string
	}{
		{"unix:path=/run/user/1000/bus", []string{"/run/user/1000/bus"}},
		{"unix:path=/tmp/dbus-x,guid=0123456789abcdef0123456789abcdef", []string{"/tmp/dbus-x"}},
		{"unix:guid=0123456789abcdef0123456789abcdef,abstract=/tmp/dbus-y", []string{"@/tmp/dbus-y"}},
		{"unix:path=/tmp/a%20b%3bc", []string{"/tmp/a b;c"}},
		{"unix:path=/a;unix:abstract=b;", []string{"/a", "@b"}},
		// Everything else goes to godbus's dialer, whole.
		{"tcp:host=localhost,port=4000", nil},
		{"nonce-tcp:host=localhost,port=4000,noncefile=/tmp/n", nil},
		{"unixexec:path=/usr/bin/ssh,argv1=host", nil},
		{"launchd:env=DBUS_LAUNCHD_SESSION_BUS_SOCKET", nil},
		{"unix:path=/a;tcp:host=localhost,port=4000", nil},
		{"unix:path=/a,abstract=b", nil},
		{"unix:dir=/tmp", nil},
		{"unix:path=", nil},
		{"unix:path=/tmp/%zz", nil},
		{"", nil},
	} {
		if got := busSockets(c.address); !slices.Equal(got, c.want) {
			t.Errorf("busSockets(%q) = %q; want %q", c.address, got, c.want)
		}
	}
}

// TestPipelinedLoginRealDaemon: against a real dbus-daemon, on a path, on an
// abstract socket and behind an address that does not answer, the login
// costs no round trip and the bus knows us as who we are.
func TestPipelinedLoginRealDaemon(t *testing.T) {
	path := privateBus(t)
	abstract := privateBusOn(t, fmt.Sprintf("unix:abstract=/tmp/ppm-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	dead := "unix:path=" + filepath.Join(t.TempDir(), "gone")
	for name, address := range map[string]string{"path": path, "abstract": abstract, "second of two": dead + ";" + path} {
		t.Run(name, func(t *testing.T) {
			if busSockets(address) == nil {
				t.Fatalf("%s is not pipelined", address)
			}
			conn, hello, err := dialBus(address, 5*time.Second, true)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var name string
			if err := hello.wait().Store(&name); err != nil {
				t.Fatal(err)
			}
			var uid uint32
			if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixUser", 0, name).Store(&uid); err != nil {
				t.Fatal(err)
			}
			if int(uid) != os.Geteuid() {
				t.Fatalf("the bus knows us as uid %d; want %d", uid, os.Geteuid())
			}
		})
	}
}

// fakeLoginBus serves a unix socket that answers every connection's first
// line with answer (closing without a word if answer is ""), and every
// later AUTH line with REJECTED; it returns the address and the count of
// connections.
func fakeLoginBus(t *testing.T, answer string) (string, *atomic.Int32) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go serveLogin(c, answer)
		}
	}()
	return "unix:path=" + sock, &conns
}

func serveLogin(c net.Conn, answer string) {
	defer c.Close()
	in := bufio.NewReader(c)
	for first := true; ; first = false {
		line, err := in.ReadString('\n')
		if err != nil || answer == "" {
			return
		}
		line = strings.TrimPrefix(line, "\x00")
		switch {
		case first:
			_, err = c.Write([]byte(answer))
		case strings.HasPrefix(line, "AUTH"):
			_, err = c.Write([]byte("REJECTED EXTERNAL\r\n"))
		default:
			return // BEGIN without OK, or messages: a bus hangs up
		}
		if err != nil {
			return
		}
	}
}

// TestPipelinedLoginRefused: whatever the bus answers instead of OK, open
// fails at once with one sentence naming the bus, never with a hang (the
// call timeout is long, so a hang would read "did not answer") or a
// confusing call error.
func TestPipelinedLoginRefused(t *testing.T) {
	for _, c := range []struct {
		name, answer, want string
	}{
		{"REJECTED", "REJECTED EXTERNAL DBUS_COOKIE_SHA1\r\n", fmt.Sprintf("the bus refused EXTERNAL authentication for uid %d (it offers EXTERNAL, DBUS_COOKIE_SHA1)", os.Geteuid())},
		{"REJECTED after DATA", "DATA\r\nREJECTED\r\n", "the bus refused EXTERNAL authentication for uid"},
		{"closes", "", "the bus closed the connection instead of answering the login"},
		{"closes after DATA", "DATA\r\n", "the bus closed the connection instead of answering the login"},
		{"garbage", "HELLO THERE\r\n", `the bus answered the login with "HELLO THERE", not OK`},
		{"garbage after DATA", "DATA\r\nNOPE\r\n", `the bus answered the login with "NOPE", not OK`},
		{"OK without a guid", "OK\r\n", `the bus answered the login with "OK", not OK`},
		{"no line end", strings.Repeat("x", 5000), `the bus answered the login with "xxxxxxxx`},
	} {
		t.Run(c.name, func(t *testing.T) {
			address, conns := fakeLoginBus(t, c.answer)
			_, err := openSecretService(secretServiceConfig{
				getenv:      envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": address}),
				callTimeout: 10 * time.Second,
			})
			want := "cannot log in to the D-Bus session bus at " + address + ": " + c.want
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), want) {
				t.Fatalf("open = %v; want ErrUnavailable saying %q", err, want)
			}
			if n := conns.Load(); n != 1 {
				t.Fatalf("%d connections to the bus; want 1", n)
			}
		})
	}
}

// TestPipelinedLoginUnanswered: a bus that accepts and never answers the
// login fails open within the call timeout.
func TestPipelinedLoginUnanswered(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "mute")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	address := "unix:path=" + sock
	_, err = openSecretService(secretServiceConfig{
		getenv:      envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": address}),
		callTimeout: 200 * time.Millisecond,
	})
	want := "the D-Bus session bus at " + address + " did not answer within 200ms"
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), want) {
		t.Fatalf("open with a mute bus = %v; want ErrUnavailable saying %q", err, want)
	}
}

// recordingConn records what is written to it and has nothing to read
// until it is closed.
type recordingConn struct {
	net.Conn
	mu      sync.Mutex
	written []byte
	closed  chan struct{}
	once    sync.Once
}

func newRecordingConn() *recordingConn { return &recordingConn{closed: make(chan struct{})} }

func (r *recordingConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.written = append(r.written, p...)
	return len(p), nil
}

func (r *recordingConn) got() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.written)
}

func (r *recordingConn) Read([]byte) (int, error) {
	<-r.closed
	return 0, io.EOF
}

func (r *recordingConn) Close() error {
	r.once.Do(func() { close(r.closed) })
	return nil
}

// TestLoginConnFollowsGodbus: godbus's whole login is answered locally (the
// socket sees nothing), our login goes out with the first message, in the
// same write, and a dialogue loginConn does not know fails plainly.
func TestLoginConnFollowsGodbus(t *testing.T) {
	sock := newRecordingConn()
	lc := newLoginConn(sock)
	conn, err := dbus.NewConn(lc)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal("1000")}); err != nil {
		t.Fatalf("Auth through loginConn = %v", err)
	}
	if got := sock.got(); got != "" {
		t.Fatalf("godbus's login reached the socket: %q", got)
	}
	if _, err := lc.Write([]byte("l\x01message")); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.Write([]byte("l\x01next")); err != nil {
		t.Fatal(err)
	}
	if want := "\x00AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\nl\x01messagel\x01next"; sock.got() != want {
		t.Fatalf("the socket got %q; want %q", sock.got(), want)
	}
	other := newLoginConn(newRecordingConn())
	if _, err := other.Write([]byte("AUTH ANONYMOUS\r\n")); err == nil || !strings.Contains(err.Error(), `unexpected login line "AUTH ANONYMOUS"`) {
		t.Fatalf("an ANONYMOUS login through loginConn = %v; want an unexpected login line", err)
	}
}
