package tokens

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
	"github.com/posit-dev/git-credential-ppm/platform"
)

// find is the one lookup rule, for Get, Cached, Renew and Status: the
// static token, then the store, then tokens.toml written by other tools;
// the first fresh one (Fresh) wins. When none is fresh it returns, with
// fresh false, the first one that still works (Usable: what a request gets
// when no renewal is possible), else the first one present, and why in the
// words of a trace line. err reports a store that could not be read (a
// missing token is not an error); the other sources are still tried,
// except after a refusal (platform.ErrRefused), which ends the lookup.
func (m *Manager) find(address string, opt Options) (t Token, fresh bool, why string, err error) {
	if m.StaticToken != "" {
		return New(m.StaticToken, FromStatic), true, "", nil
	}
	now := m.now()
	var stale Token
	var reasons []string
	for _, src := range []struct {
		store platform.Store
		from  Source
	}{{m.Store, FromStore}, {m.Shared, FromShared}} {
		if src.store == nil {
			continue
		}
		v, gerr := src.store.Get(address)
		switch {
		case errors.Is(gerr, platform.ErrNotFound):
			reasons = append(reasons, "none in "+sourceName(src.store, src.from))
			continue
		case errors.Is(gerr, platform.ErrRefused):
			// A link or another user's file in place of a token file:
			// nothing is served nor saved until it is fixed.
			return Token{}, false, gerr.Error(), gerr
		case gerr != nil:
			if err == nil {
				err = fmt.Errorf("could not read the %s store: %w", src.store.Name(), gerr)
			}
			reasons = append(reasons, "the "+src.store.Name()+" store could not be read")
			continue
		}
		c := New(v, src.from)
		if Fresh(c, now, opt.MinValidity) {
			return c, true, "", err
		}
		reasons = append(reasons, "the one in "+sourceName(src.store, src.from)+" "+staleness(c, now, opt.MinValidity))
		if stale.Value == "" || !Usable(stale, now) && Usable(c, now) {
			stale = c
		}
	}
	return stale, false, strings.Join(reasons, "; "), err
}

func sourceName(s platform.Store, from Source) string {
	if from == FromShared {
		return "tokens.toml"
	}
	return "the " + s.Name() + " store"
}

func staleness(t Token, now time.Time, minValidity time.Duration) string {
	if t.InvalidExpiry {
		return "has an exp claim that is not a valid time"
	}
	if t.Expiry.After(now) {
		return fmt.Sprintf("is close to expiry (%s left, under the %s it must have)", t.Expiry.Sub(now).Round(time.Second), Margin(t, minValidity).Round(time.Second))
	}
	return fmt.Sprintf("expired %s ago", now.Sub(t.Expiry).Round(time.Second))
}

// Cached returns a fresh token for address without any network request or
// lock, or false. It is the hot path of every git and pip request; with
// tracing on it says in one line which token it chose, or why none.
func (m *Manager) Cached(address string, opt Options) (Token, bool) {
	t, fresh, why, err := m.find(address, opt)
	if err != nil && !errors.Is(err, platform.ErrRefused) { // Renew returns a refusal
		m.warn(err.Error())
	}
	if m.Trace != nil {
		if fresh {
			m.tracef("token for %s: %s, %s", address, m.describeSource(t), m.timeLeft(t))
		} else {
			m.tracef("token for %s: none usable (%s)", address, why)
		}
	}
	return t, fresh
}

// lookup is Cached without warnings or trace (watchStore polls it many
// times a second).
func (m *Manager) lookup(address string, opt Options) (Token, bool) {
	t, fresh, _, _ := m.find(address, opt)
	return t, fresh
}

// Status returns the token Get would serve for address without a login
// (fresh true), else the first stale one found (fresh false; its Value is
// empty when there is none). err reports a store that could not be read.
func (m *Manager) Status(address string) (t Token, fresh bool, err error) {
	t, fresh, _, err = m.find(address, Options{})
	return t, fresh, err
}

func (m *Manager) describeSource(t Token) string {
	switch t.Source {
	case FromStatic:
		return "PACKAGEMANAGER_TOKEN"
	case FromShared:
		return "tokens.toml (" + m.Shared.Describe() + ")"
	}
	return "from the store " + m.Store.Describe()
}

func (m *Manager) timeLeft(t Token) string {
	if t.Expiry.IsZero() {
		return "no expiry"
	}
	return t.Expiry.Sub(m.now()).Round(time.Second).String() + " left"
}

// StoreName is the short name of the store tokens are kept in ("file",
// "secretservice", "wincred", "keychain").
func (m *Manager) StoreName() string { return m.Store.Name() }

// StoreDescription says which store tokens are kept in and where.
func (m *Manager) StoreDescription() string { return m.Store.Describe() }

// ProbeStore writes, reads back and deletes a probe item in the store, so
// that doctor can tell a store that works from one that only seems to. It
// never touches a real address's token.
func (m *Manager) ProbeStore() error {
	probe := fmt.Sprintf("https://git-credential-ppm-doctor-%d.invalid", os.Getpid())
	value := fmt.Sprintf("doctor-probe-%d", m.now().UnixNano())
	if err := m.Store.Set(probe, value); err != nil {
		return fmt.Errorf("cannot write a probe item: %w", err)
	}
	got, err := m.Store.Get(probe)
	delErr := m.Store.Delete(probe)
	switch {
	case err != nil:
		return fmt.Errorf("cannot read back the probe item: %w", err)
	case got != value:
		return errors.New("the probe item read back differs from what was written")
	case delErr != nil:
		return fmt.Errorf("cannot delete the probe item: %w", delErr)
	}
	return nil
}

func (m *Manager) warn(msg string) {
	if m.Prompt != nil {
		m.Prompt.Warn(msg)
	}
	m.tracef("%s", msg)
}

// Logout removes the stored token for address. It reports whether one was
// there. With an OS store it also removes what interrupted writes of
// tokens.toml left behind (erase rewrites that file too), so no token stays
// in a temporary file after a logout whichever store is in use.
func (m *Manager) Logout(address string) (bool, error) {
	err := m.Store.Delete(address)
	had := err == nil
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		return false, fmt.Errorf("could not remove the token for %s from the %s store: %w", address, m.Store.Name(), err)
	}
	if f, ok := m.Shared.(*platform.FileStore); ok && f.Path() != "" {
		if err := safefile.RemoveStaleTemps(f.Path()); err != nil {
			return had, err
		}
	}
	return had, nil
}

// Reject forgets a token the server refused (git's erase): the stored token
// for address is deleted only when it equals password, so a newer token
// another process stored meanwhile survives. tokens.toml written by other
// tools is cleaned too when it holds the same rejected token, otherwise the
// next request would be served the same dead token again.
func (m *Manager) Reject(address, password string) error {
	if password == "" {
		return nil
	}
	for _, s := range []platform.Store{m.Store, m.Shared} {
		if s == nil {
			continue
		}
		v, err := s.Get(address)
		if err != nil || New(v, FromStore).Value != password {
			continue
		}
		if err := s.Delete(address); err != nil && !errors.Is(err, platform.ErrNotFound) {
			return fmt.Errorf("could not remove the rejected token for %s from the %s store: %w", address, s.Name(), err)
		}
		m.tracef("removed the rejected token for %s from the %s store", address, s.Name())
	}
	return nil
}
