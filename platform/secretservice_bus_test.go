//go:build linux

package platform

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnectBusRealDaemon: godbus's login to a real dbus-daemon, on a
// path, on an abstract socket and as the second of two addresses (the
// first gone), leaves a connection the bus knows as our uid.
func TestConnectBusRealDaemon(t *testing.T) {
	path := privateBus(t)
	abstract := privateBusOn(t, fmt.Sprintf("unix:abstract=/tmp/ppm-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	dead := "unix:path=" + filepath.Join(t.TempDir(), "gone")
	for name, address := range map[string]string{"path": path, "abstract": abstract, "second of two": dead + ";" + path} {
		t.Run(name, func(t *testing.T) {
			conn, err := connectBus(address, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			names := conn.Names()
			if len(names) == 0 || !strings.HasPrefix(names[0], ":") {
				t.Fatalf("after Hello the connection's names are %q; want its unique name first", names)
			}
			var uid uint32
			if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixUser", 0, names[0]).Store(&uid); err != nil {
				t.Fatal(err)
			}
			if int(uid) != os.Geteuid() {
				t.Fatalf("the bus knows us as uid %d; want %d", uid, os.Geteuid())
			}
		})
	}
}

// TestConnectBusOutlivesItsTimeLimit: the time limit bounds the login only;
// the connection still works after it has passed (a context with a deadline
// given to godbus would close it then).
func TestConnectBusOutlivesItsTimeLimit(t *testing.T) {
	address := privateBus(t)
	const limit = 2 * time.Second
	conn, err := connectBus(address, limit)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(limit + 500*time.Millisecond)
	var id string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil {
		t.Fatalf("a call %s after the login's time limit: %v", limit+500*time.Millisecond, err)
	}
}

// fakeLoginBus serves a unix socket that answers every line a client sends
// with answer (closing without a word if answer is ""); it returns the
// address and the count of connections.
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
			go func() {
				defer c.Close()
				in := bufio.NewReader(c)
				for {
					if _, err := in.ReadString('\n'); err != nil || answer == "" {
						return
					}
					if _, err := c.Write([]byte(answer)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "unix:path=" + sock, &conns
}

// TestSecretServiceBusRefusesLogin: whatever a bus answers instead of OK,
// open fails at once (the call timeout is long: a hang would read "did not
// answer") with one line naming the bus, which auto reads as "no Secret
// Service here".
func TestSecretServiceBusRefusesLogin(t *testing.T) {
	for _, c := range []struct{ name, answer string }{
		{"REJECTED", "REJECTED EXTERNAL\r\n"},
		{"closes", ""},
		{"garbage", "HELLO THERE\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			address, conns := fakeLoginBus(t, c.answer)
			_, err := openSecretService(secretServiceConfig{
				getenv:      envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": address}),
				callTimeout: 10 * time.Second,
			})
			want := "cannot log in to the D-Bus session bus at " + address + ": "
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("open = %v; want ErrUnavailable, one line saying %q", err, want)
			}
			if n := conns.Load(); n != 1 {
				t.Fatalf("%d connections to the bus; want 1", n)
			}
		})
	}
}
