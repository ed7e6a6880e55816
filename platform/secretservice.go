//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// The Secret Service API (freedesktop.org), spoken over the session D-Bus.
const (
	ssBusName        = "org.freedesktop.secrets"
	ssServicePath    = dbus.ObjectPath("/org/freedesktop/secrets")
	ssServiceIface   = "org.freedesktop.Secret.Service"
	ssCollectionIfc  = "org.freedesktop.Secret.Collection"
	ssItemIface      = "org.freedesktop.Secret.Item"
	ssPromptIface    = "org.freedesktop.Secret.Prompt"
	ssNoObject       = dbus.ObjectPath("/")
	ssAlgorithmDH    = "dh-ietf1024-sha256-aes128-cbc-pkcs7"
	ssAlgorithmPlain = "plain"

	errNameNotSupported   = "org.freedesktop.DBus.Error.NotSupported"
	errNameServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
	errNameNameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
	errNameIsLocked       = "org.freedesktop.Secret.Error.IsLocked"
	errNameNoSuchObject   = "org.freedesktop.Secret.Error.NoSuchObject"
	errNameUnknownObj     = "org.freedesktop.DBus.Error.UnknownObject"
)

// Item attributes. service and username are what Python keyring's
// SecretService backend and `secret-tool lookup service … username …` use, so
// tokens we store are readable by both (and theirs by us); application says
// which program wrote the item; xdg:schema is what libsecret sets for
// generic passwords.
const (
	ssAttrService     = "service"
	ssAttrUsername    = "username"
	ssAttrApplication = "application"
	ssAttrSchema      = "xdg:schema"
	ssApplication     = "git-credential-ppm"
	ssSchemaGeneric   = "org.freedesktop.Secret.Generic"
)

// Default time limits: every D-Bus call, and the wait for an unlock prompt
// that nobody may be there to answer (a headless gnome-keyring dismisses it
// at once; a desktop one waits for a person).
const (
	ssCallTimeout   = 5 * time.Second
	ssPromptTimeout = 3 * time.Second
)

// ssSecret is the Secret Service's Secret struct, signature (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// secretService is the Store kept in the Secret Service's default collection
// (gnome-keyring, KWallet, KeePassXC …), through one private connection to the
// session bus and one transfer-encrypted session.
//
// Lookups search every collection for items whose service attribute is the
// address (then the address with its trailing slash added or removed) and
// whose username is __token__, preferring unlocked items in the default
// collection. Set writes the address exactly as configured into the default
// collection and removes other items for the same address, in either
// spelling, so one token per address remains.
type secretService struct {
	conn    *dbus.Conn
	session dbus.ObjectPath
	// exchange is the session's key exchange, nil for a "plain" session;
	// its last step runs when a secret is first encrypted or decrypted
	// (sessionKey), so that for a get it runs while GetSecrets is in flight.
	exchange      *keyExchange
	collection    dbus.ObjectPath
	callTimeout   time.Duration
	promptTimeout time.Duration
	random        io.Reader
	// prefetched holds the SearchItems calls open sent for the addresses
	// it was told of, by spelling; the first Get of one uses the answer,
	// and any write drops them all (they describe the store at open).
	prefetched *prefetchedSearches
}

// secretServiceConfig is what opening the store needs; tests shorten the
// time limits and inject the random source.
type secretServiceConfig struct {
	getenv        func(string) string
	callTimeout   time.Duration
	promptTimeout time.Duration
	random        io.Reader
	// prefetch lists the addresses to search for while the session opens
	// (Options.Prefetch).
	prefetch []string
}

// maxPrefetch bounds how many addresses open searches for ahead of time.
const maxPrefetch = 4

// openSecretService connects to the session bus named by the environment,
// checks that a Secret Service owns (or can be started for)
// org.freedesktop.secrets, opens a session and finds the default collection.
// Anything that means "there is no usable Secret Service here" wraps
// ErrUnavailable, so that auto falls back to the file store.
//
// It overlaps what does not depend on each other: the service's first
// calls go out together, our half of the key exchange is computed while the
// service answers them, and the searches for cfg.prefetch go out with
// OpenSession, so that the service answers them right after its (slow) half
// of the key exchange and a Get of those addresses costs one more round
// trip, GetSecrets.
func openSecretService(cfg secretServiceConfig) (*secretService, error) {
	if cfg.getenv == nil {
		cfg.getenv = func(string) string { return "" }
	}
	if cfg.callTimeout <= 0 {
		cfg.callTimeout = ssCallTimeout
	}
	if cfg.promptTimeout <= 0 {
		cfg.promptTimeout = ssPromptTimeout
	}
	if cfg.random == nil {
		cfg.random = rand.Reader
	}
	address, err := sessionBusAddress(cfg.getenv)
	if err != nil {
		return nil, err
	}
	conn, err := connectBus(address, cfg.callTimeout)
	if err != nil {
		return nil, err
	}
	s := &secretService{
		conn:          conn,
		callTimeout:   cfg.callTimeout,
		promptTimeout: cfg.promptTimeout,
		random:        cfg.random,
	}
	// Our half of the key exchange is computed inside init, after the calls
	// that need no session are on their way. (A goroutine computing it
	// during the handshake was slower: waking a second thread costs more on
	// a busy machine than the 0.3 ms it hides.)
	if err := s.init(func() (*dhKeyPair, error) { return newDHKeyPair(cfg.random) }, cfg.prefetch); err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the session and the bus connection.
func (s *secretService) Close() error {
	s.dropPrefetched()
	if s.session != "" {
		// Without waiting for the answer (a round trip at the end of every
		// command): the bus has the message before it sees us hang up, and
		// a service closes a client's sessions when it leaves the bus anyway.
		s.conn.Object(ssBusName, s.session).Go("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected, nil)
	}
	return s.conn.Close()
}

// Name implements Store.
func (s *secretService) Name() string { return StoreSecretService }

// Describe implements Store: "secretservice (gnome-keyring, collection
// login)". It asks the bus which program owns the service and the collection
// for its label; what it cannot learn it leaves out.
func (s *secretService) Describe() string {
	var parts []string
	if p := s.serviceProgram(); p != "" {
		parts = append(parts, p)
	}
	var label dbus.Variant
	err := s.call(ssBusName, s.collection, "org.freedesktop.DBus.Properties.Get", ssCollectionIfc, "Label").Store(&label)
	if l, ok := label.Value().(string); err == nil && ok && l != "" {
		parts = append(parts, "collection "+l)
	} else {
		parts = append(parts, "collection "+string(s.collection))
	}
	return s.Name() + " (" + strings.Join(parts, ", ") + ")"
}

// serviceProgram names the program that owns org.freedesktop.secrets, from
// its process id (Linux /proc only), e.g. "gnome-keyring".
func (s *secretService) serviceProgram() string {
	var pid uint32
	if err := s.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", ssBusName).Store(&pid); err != nil || pid == 0 {
		return ""
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			return ""
		}
		exe, _, _ = strings.Cut(string(cmdline), "\x00")
	}
	name := filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	switch {
	case name == "gnome-keyring-daemon":
		return "gnome-keyring"
	case strings.HasPrefix(name, "kwalletd"), name == "ksecretd":
		return "KWallet"
	case strings.EqualFold(name, "keepassxc"):
		return "KeePassXC"
	}
	return name
}

// service calls a method of the Secret Service object.
func (s *secretService) service(method string, args ...any) *dbus.Call {
	return s.call(ssBusName, ssServicePath, ssServiceIface+"."+method, args...)
}

// call makes one D-Bus call, waiting at most callTimeout for its answer.
func (s *secretService) call(dest string, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	defer cancel()
	return s.conn.Object(dest, path).CallWithContext(ctx, method, 0, args...)
}

// wrap turns a D-Bus failure into a sentence; kind (ErrUnavailable or nil)
// is wrapped too. Timeouts say so.
func (s *secretService) wrap(kind error, what string, err error) error {
	reason := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		reason = fmt.Sprintf("the Secret Service did not answer within %s", s.callTimeout)
	} else if name := dbusErrorName(err); name != "" && !strings.Contains(reason, name) {
		reason += " (" + name + ")"
	}
	if kind != nil {
		return fmt.Errorf("%w: %s: %s", kind, what, reason)
	}
	return fmt.Errorf("%s: %s; check that the keyring daemon is running, or set PPM_CREDENTIAL_STORE=file: %w", what, reason, err)
}

// dbusErrorName returns the D-Bus error name in err ("" if none).
func dbusErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dep *dbus.Error
	if errors.As(err, &dep) && dep != nil {
		return dep.Name
	}
	return ""
}
