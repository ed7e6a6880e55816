//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The Secret Service session: finding and joining the session bus, and the
// transfer-encrypted session every secret travels in (the crypto itself is
// in secretservice_crypto.go).

// sessionBusAddress finds the session bus the way D-Bus clients do, minus
// autolaunch (which execs dbus-launch, absent on servers and wrong for a
// credential helper): DBUS_SESSION_BUS_ADDRESS, else the bus socket in
// $XDG_RUNTIME_DIR (or /run/user/UID) that systemd's user session provides.
func sessionBusAddress(getenv func(string) string) (string, error) {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a, nil
	}
	dir := getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = fmt.Sprintf("/run/user/%d", os.Getuid())
	}
	sock := filepath.Join(dir, "bus")
	if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
		return "unix:path=" + dbus.EscapeBusAddressValue(sock), nil
	}
	return "", fmt.Errorf("%w: no D-Bus session: DBUS_SESSION_BUS_ADDRESS unset and no %s", ErrUnavailable, sock)
}

// connectBus connects to the bus at address with godbus's own functions
// (dbus.Dial, then Auth with its default mechanisms and Hello, what
// dbus.Connect does) within timeout. The address comes from our injected
// environment (dbus.SessionBusPrivate reads, and may set, the process's);
// the connection's context is cancelled when the time runs out, which
// closes it under the login, so a socket that accepts but never answers
// gives one line after timeout, not a hang.
func connectBus(address string, timeout time.Duration) (*dbus.Conn, error) {
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(timeout, cancel)
	conn, err := dbus.Dial(address, dbus.WithContext(ctx))
	if err != nil {
		timer.Stop()
		cancel()
		return nil, fmt.Errorf("%w: cannot connect to the D-Bus session bus at %s: %v", ErrUnavailable, address, err)
	}
	if err = conn.Auth(nil); err == nil {
		err = conn.Hello()
	}
	if !timer.Stop() {
		conn.Close()
		return nil, fmt.Errorf("%w: the D-Bus session bus at %s did not answer within %s", ErrUnavailable, address, timeout)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: cannot log in to the D-Bus session bus at %s: %v", ErrUnavailable, address, err)
	}
	return conn, nil
}

// init sends ReadAlias and a search for each address in prefetch (as
// spelled) at once, then computes our half of the key exchange (newKey)
// while the service answers them, then opens the session: everything in
// one round trip, in which the service's half of the key exchange is the
// slow part.
//
// It does not ask the bus first whether the service is there: the bus
// answers a call to a name that nobody owns and nothing can start with
// ServiceUnknown, which is exactly "available iff NameHasOwner or listed in
// ListActivatableNames", and a call to an activatable name starts the
// service, which the check would have led to anyway.
func (s *secretService) init(newKey func() (*dhKeyPair, error), prefetch []string) error {
	alias := s.sendService("ReadAlias", "default")
	defer alias.cancel()
	s.prefetched = &prefetchedSearches{calls: map[string]pendingCall{}}
	for _, address := range prefetch[:min(len(prefetch), maxPrefetch)] {
		if _, ok := s.prefetched.calls[address]; !ok && address != "" {
			s.prefetched.calls[address] = s.searchCall(address) // as spelled: what a hit needs
		}
	}
	kp, err := newKey()
	if err != nil {
		return err
	}
	session := s.sendService("OpenSession", ssAlgorithmDH, dbus.MakeVariant(kp.public))
	defer session.cancel()
	if err := s.useSession(kp, session.wait()); err != nil {
		return err
	}
	var collection dbus.ObjectPath
	if err := alias.wait().Store(&collection); err != nil {
		return s.wrap(ErrUnavailable, "reading the default collection", err)
	}
	if collection == ssNoObject || collection == "" {
		return fmt.Errorf("%w: the Secret Service has no default collection (keyring); create one in your keyring manager (e.g. seahorse), or start gnome-keyring-daemon with --unlock, or set PPM_CREDENTIAL_STORE=file", ErrUnavailable)
	}
	s.collection = collection
	return nil
}

// useSession completes the key exchange from the answer to OpenSession, or
// opens a plain session if the service does not support encryption.
func (s *secretService) useSession(kp *dhKeyPair, call *dbus.Call) error {
	var output dbus.Variant
	var session dbus.ObjectPath
	err := call.Store(&output, &session)
	switch dbusErrorName(err) {
	case "":
	case errNameServiceUnknown, errNameNameHasNoOwner:
		return fmt.Errorf("%w: no Secret Service on the session bus (nothing provides %s; install and start gnome-keyring, KWallet or KeePassXC)", ErrUnavailable, ssBusName)
	case errNameNotSupported:
		// Only minimal services lack the DH algorithm; plain sends the
		// token unencrypted over our private connection to the session
		// bus, as such a service expects.
		if err = s.service("OpenSession", ssAlgorithmPlain, dbus.MakeVariant("")).Store(&output, &session); err == nil {
			s.session = session
			return nil
		}
	}
	if err != nil {
		return s.wrap(ErrUnavailable, "opening a Secret Service session", err)
	}
	peer, ok := output.Value().([]byte)
	if !ok {
		return fmt.Errorf("%w: the Secret Service answered OpenSession with a %s, not a public key", ErrUnavailable, output.Signature())
	}
	y, err := checkPeerKey(peer)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	s.session, s.exchange = session, &keyExchange{pair: kp, peer: y}
	return nil
}

// keyExchange is a session's key exchange: our key pair and the service's
// checked public key, and the AES key once the last step, one modular
// exponentiation, has run. Copies of the store share it.
type keyExchange struct {
	pair *dhKeyPair
	peer *big.Int

	mu  sync.Mutex // several goroutines may use the store at once
	key []byte
	err error
}

// sessionKey returns the session's AES key, finishing the key exchange the
// first time (nil for a plain session).
func (s *secretService) sessionKey() ([]byte, error) {
	x := s.exchange
	if x == nil {
		return nil, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.key == nil && x.err == nil {
		x.key, x.err = x.pair.keyFor(x.peer)
	}
	return x.key, x.err
}

// encode wraps a token in a Secret for this session.
func (s *secretService) encode(value []byte) (ssSecret, error) {
	sec := ssSecret{Session: s.session, Parameters: []byte{}, Value: value, ContentType: "text/plain"}
	key, err := s.sessionKey()
	if err != nil || key == nil {
		return sec, err
	}
	iv, ciphertext, err := encryptSecret(key, value, s.random)
	if err != nil {
		return ssSecret{}, err
	}
	sec.Parameters, sec.Value = iv, ciphertext
	return sec, nil
}

// decode unwraps a Secret returned in this session.
func (s *secretService) decode(sec ssSecret) ([]byte, error) {
	key, err := s.sessionKey()
	if err != nil || key == nil {
		return sec.Value, err
	}
	return decryptSecret(key, sec.Parameters, sec.Value)
}
