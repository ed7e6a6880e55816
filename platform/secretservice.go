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
	"slices"
	"strconv"
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
	conn          *dbus.Conn
	session       dbus.ObjectPath
	key           []byte // AES key of the session; nil for a "plain" session
	collection    dbus.ObjectPath
	callTimeout   time.Duration
	promptTimeout time.Duration
	random        io.Reader
}

// secretServiceConfig is what opening the store needs; tests shorten the
// time limits and inject the random source.
type secretServiceConfig struct {
	getenv        func(string) string
	callTimeout   time.Duration
	promptTimeout time.Duration
	random        io.Reader
}

// openSecretService connects to the session bus named by the environment,
// checks that a Secret Service owns (or can be started for)
// org.freedesktop.secrets, opens a session and finds the default collection.
// Anything that means "there is no usable Secret Service here" wraps
// ErrUnavailable, so that auto falls back to the file store.
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
	if err := s.init(); err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

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

// connectBus dials the bus, authenticates and says Hello within timeout. This
// is what dbus.SessionBusPrivateNoAutoStartup + Auth + Hello do, but with the
// address from our injected environment (that helper reads and may even set
// the process environment) and with a time limit: a socket that accepts but
// never answers must not hang the helper.
func connectBus(address string, timeout time.Duration) (*dbus.Conn, error) {
	conn, err := dbus.Dial(address)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot connect to the D-Bus session bus at %s: %v", ErrUnavailable, address, err)
	}
	timer := time.AfterFunc(timeout, func() { conn.Close() })
	err = conn.Auth(nil)
	if err == nil {
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

// init opens the session and reads the default collection, sending both
// calls at once (one round trip; the session's key exchange is the slow part,
// on the service's side). It does not ask the bus first whether the service
// is there: the bus answers a call to a name that nobody owns and nothing can
// start with ServiceUnknown, which is exactly "available iff NameHasOwner or
// listed in ListActivatableNames", and a call to an activatable name starts
// the service, which the check would have led to anyway.
func (s *secretService) init() error {
	kp, err := newDHKeyPair(s.random)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	defer cancel()
	svc := s.conn.Object(ssBusName, ssServicePath)
	sessionCall := svc.GoWithContext(ctx, ssServiceIface+".OpenSession", 0, make(chan *dbus.Call, 1), ssAlgorithmDH, dbus.MakeVariant(kp.public))
	aliasCall := svc.GoWithContext(ctx, ssServiceIface+".ReadAlias", 0, make(chan *dbus.Call, 1), "default")
	<-sessionCall.Done
	<-aliasCall.Done

	if err := s.useSession(kp, sessionCall); err != nil {
		return err
	}
	var collection dbus.ObjectPath
	if err := aliasCall.Store(&collection); err != nil {
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
	key, err := kp.sharedKey(peer)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	s.session, s.key = session, key
	return nil
}

// Close closes the session and the bus connection.
func (s *secretService) Close() error {
	if s.session != "" {
		_ = s.call(ssBusName, s.session, "org.freedesktop.Secret.Session.Close").Err
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

// Get implements Store.
func (s *secretService) Get(address string) (string, error) {
	found, err := s.search(address, false)
	if err != nil {
		return "", err
	}
	if len(found.unlocked) == 0 && len(found.locked) == 0 {
		return "", ErrNotFound
	}
	items := found.unlocked
	if len(items) == 0 {
		if items, err = s.unlock(found.locked); err != nil {
			return "", err
		}
	}
	var secrets map[dbus.ObjectPath]ssSecret
	if err := s.service("GetSecrets", items, s.session).Store(&secrets); err != nil {
		return "", s.wrap(nil, "reading the token from the Secret Service", err)
	}
	for _, item := range s.preferDefault(items) {
		if sec, ok := secrets[item]; ok {
			value, err := s.decode(sec)
			if err != nil {
				return "", err
			}
			return string(value), nil
		}
	}
	return "", ErrNotFound
}

// Set implements Store.
func (s *secretService) Set(address, token string) error {
	old, err := s.search(address, true)
	if err != nil {
		return err
	}
	secret, err := s.encode([]byte(token))
	if err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		ssItemIface + ".Label": dbus.MakeVariant("Posit Package Manager token for " + address),
		ssItemIface + ".Attributes": dbus.MakeVariant(map[string]string{
			ssAttrService:     address,
			ssAttrUsername:    tokenUser,
			ssAttrApplication: ssApplication,
			ssAttrSchema:      ssSchemaGeneric,
		}),
	}
	create := func() (item, prompt dbus.ObjectPath, err error) {
		err = s.call(ssBusName, s.collection, ssCollectionIfc+".CreateItem", props, secret, true).Store(&item, &prompt)
		return item, prompt, err
	}
	item, prompt, err := create()
	if dbusErrorName(err) == errNameIsLocked {
		if _, err = s.unlock([]dbus.ObjectPath{s.collection}); err != nil {
			return err
		}
		item, prompt, err = create()
	}
	if err != nil {
		return s.wrap(nil, "storing the token in the Secret Service", err)
	}
	if prompt != ssNoObject && prompt != "" {
		result, err := s.prompt(prompt, "storing the token")
		if err != nil {
			return err
		}
		item, _ = result.Value().(dbus.ObjectPath)
	}
	// Remove what else answered for this address (an older item under the
	// other trailing-slash spelling, one written by another program), so
	// that Get finds this token. Failures here leave a stale item that Get
	// ranks below ours; they do not undo the store.
	for _, p := range append(old.unlocked, old.locked...) {
		if p != item {
			_ = s.deleteItem(p)
		}
	}
	return nil
}

// Delete implements Store. It removes every item for the address, in either
// trailing-slash spelling and in any collection.
func (s *secretService) Delete(address string) error {
	found, err := s.search(address, true)
	if err != nil {
		return err
	}
	if len(found.unlocked) == 0 && len(found.locked) == 0 {
		return ErrNotFound
	}
	// Unlocked items first, so that a keyring that stays locked does not keep
	// the others.
	for _, item := range found.unlocked {
		if err := s.deleteItem(item); err != nil {
			return err
		}
	}
	if len(found.locked) == 0 {
		return nil
	}
	unlocked, err := s.unlock(found.locked)
	if err != nil {
		return err
	}
	for _, item := range unlocked {
		if err := s.deleteItem(item); err != nil {
			return err
		}
	}
	return nil
}

func (s *secretService) deleteItem(item dbus.ObjectPath) error {
	var prompt dbus.ObjectPath
	err := s.call(ssBusName, item, ssItemIface+".Delete").Store(&prompt)
	switch name := dbusErrorName(err); {
	case name == errNameNoSuchObject || name == errNameUnknownObj:
		return nil // gone already (another process deleted it)
	case err != nil:
		return s.wrap(nil, "deleting the token from the Secret Service", err)
	}
	if prompt != ssNoObject && prompt != "" {
		if _, err := s.prompt(prompt, "deleting the token"); err != nil {
			return err
		}
	}
	return nil
}

// searchResult holds the items found for an address.
type searchResult struct {
	unlocked, locked []dbus.ObjectPath
}

// search finds the items for address: first as spelled, then with the
// trailing slash toggled; both spellings if all, else it stops at the first
// that has items (a hit costs one round trip).
func (s *secretService) search(address string, all bool) (searchResult, error) {
	var r searchResult
	for _, spelling := range addressSpellings(address) {
		var unlocked, locked []dbus.ObjectPath
		attrs := map[string]string{ssAttrService: spelling, ssAttrUsername: tokenUser}
		if err := s.service("SearchItems", attrs).Store(&unlocked, &locked); err != nil {
			return r, s.wrap(nil, "searching the Secret Service for the token", err)
		}
		r.unlocked = append(r.unlocked, unlocked...)
		r.locked = append(r.locked, locked...)
		if !all && len(r.unlocked)+len(r.locked) > 0 {
			break
		}
	}
	return r, nil
}

// addressSpellings returns address and the same address with its trailing
// slash removed or added (people configure both; pak and posit-keyring
// compare strings).
func addressSpellings(address string) []string {
	if trimmed := strings.TrimRight(address, "/"); trimmed != address {
		if trimmed == "" {
			return []string{address}
		}
		return []string{address, trimmed}
	}
	return []string{address, address + "/"}
}

// preferDefault orders items so that those in the default collection come
// first (the one Set writes to), keeping the service's order otherwise.
func (s *secretService) preferDefault(items []dbus.ObjectPath) []dbus.ObjectPath {
	prefix := string(s.collection) + "/"
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b dbus.ObjectPath) int {
		ina, inb := strings.HasPrefix(string(a), prefix), strings.HasPrefix(string(b), prefix)
		switch {
		case ina && !inb:
			return -1
		case inb && !ina:
			return 1
		}
		return 0
	})
	return out
}

// unlock unlocks objects (items or collections), showing the service's
// unlock prompt if it has one, and returns what was unlocked.
func (s *secretService) unlock(objects []dbus.ObjectPath) ([]dbus.ObjectPath, error) {
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := s.service("Unlock", objects).Store(&unlocked, &prompt); err != nil {
		return nil, s.wrap(nil, "unlocking the keyring", err)
	}
	if prompt != ssNoObject && prompt != "" {
		result, err := s.prompt(prompt, "unlocking the keyring")
		switch {
		case errors.Is(err, errPromptDismissed):
			return nil, lockedError(objects, "no unlock prompt could be shown (or it was dismissed)")
		case errors.Is(err, errPromptTimeout):
			return nil, lockedError(objects, fmt.Sprintf("nobody answered its unlock prompt within %s", s.promptTimeout))
		case err != nil:
			return nil, err
		}
		more, _ := result.Value().([]dbus.ObjectPath)
		unlocked = append(unlocked, more...)
	}
	if len(unlocked) == 0 {
		return nil, lockedError(objects, "it could not be unlocked")
	}
	return unlocked, nil
}

// lockedError says which keyring is locked, why that is fatal here and what
// to do.
func lockedError(objects []dbus.ObjectPath, why string) error {
	name := "default"
	if len(objects) > 0 {
		name = collectionName(objects[0])
	}
	return fmt.Errorf("the %s keyring is locked and %s; unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock) or set PPM_CREDENTIAL_STORE=file", name, why)
}

// collectionName returns the collection's name in a collection or item path
// (/org/freedesktop/secrets/collection/login/2 → "login"), undoing
// gnome-keyring's _XX escapes of bytes that may not appear in a path.
func collectionName(path dbus.ObjectPath) string {
	p := string(path)
	if rest, ok := strings.CutPrefix(p, string(ssServicePath)+"/collection/"); ok {
		p, _, _ = strings.Cut(rest, "/")
	} else {
		p = p[strings.LastIndexByte(p, '/')+1:]
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '_' && i+2 < len(p) {
			if v, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Errors of prompt, which callers turn into sentences.
var (
	errPromptDismissed = errors.New("the keyring's prompt was dismissed")
	errPromptTimeout   = errors.New("nobody answered the keyring's prompt")
)

// prompt runs a Secret Service prompt and waits for it, at most
// promptTimeout. It subscribes to the prompt's Completed signal before
// calling Prompt, so the answer cannot be missed, and dismisses the prompt
// when time is up, so that no dialog outlives the helper.
func (s *secretService) prompt(prompt dbus.ObjectPath, what string) (dbus.Variant, error) {
	signals := make(chan *dbus.Signal, 8)
	s.conn.Signal(signals)
	defer s.conn.RemoveSignal(signals)
	match := []dbus.MatchOption{
		dbus.WithMatchObjectPath(prompt),
		dbus.WithMatchInterface(ssPromptIface),
		dbus.WithMatchMember("Completed"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	err := s.conn.AddMatchSignalContext(ctx, match...)
	cancel()
	if err != nil {
		return dbus.Variant{}, s.wrap(nil, what+": subscribing to the keyring's prompt", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
		_ = s.conn.RemoveMatchSignalContext(ctx, match...)
		cancel()
	}()
	if err := s.call(ssBusName, prompt, ssPromptIface+".Prompt", "").Err; err != nil {
		return dbus.Variant{}, s.wrap(nil, what+": showing the keyring's prompt", err)
	}
	timer := time.NewTimer(s.promptTimeout)
	defer timer.Stop()
	for {
		select {
		case sig, ok := <-signals:
			if !ok {
				return dbus.Variant{}, fmt.Errorf("%s: the connection to the D-Bus session bus closed while waiting for the keyring's prompt", what)
			}
			if sig.Path != prompt || sig.Name != ssPromptIface+".Completed" || len(sig.Body) < 2 {
				continue
			}
			dismissed, _ := sig.Body[0].(bool)
			result, _ := sig.Body[1].(dbus.Variant)
			if dismissed {
				return dbus.Variant{}, fmt.Errorf("%s: %w; answer it, or set PPM_CREDENTIAL_STORE=file", what, errPromptDismissed)
			}
			return result, nil
		case <-timer.C:
			_ = s.call(ssBusName, prompt, ssPromptIface+".Dismiss").Err
			return dbus.Variant{}, fmt.Errorf("%s: %w within %s; try again, or set PPM_CREDENTIAL_STORE=file", what, errPromptTimeout, s.promptTimeout)
		}
	}
}

// encode wraps a token in a Secret for this session.
func (s *secretService) encode(value []byte) (ssSecret, error) {
	sec := ssSecret{Session: s.session, Parameters: []byte{}, Value: value, ContentType: "text/plain"}
	if s.key == nil {
		return sec, nil
	}
	iv, ciphertext, err := encryptSecret(s.key, value, s.random)
	if err != nil {
		return ssSecret{}, err
	}
	sec.Parameters, sec.Value = iv, ciphertext
	return sec, nil
}

// decode unwraps a Secret returned in this session.
func (s *secretService) decode(sec ssSecret) ([]byte, error) {
	if s.key == nil {
		return sec.Value, nil
	}
	return decryptSecret(s.key, sec.Parameters, sec.Value)
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
