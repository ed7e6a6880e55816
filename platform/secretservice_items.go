//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// The Secret Service items: lookups, writes and deletes of the token items.

// Get implements Store.
func (s *secretService) Get(address string) (string, error) {
	tok, err := s.get(address)
	if errors.Is(err, errStaleSearch) {
		// The items open found for address went away since (another
		// process replaced the token): search again.
		s.dropPrefetched()
		tok, err = s.get(address)
	}
	if errors.Is(err, errStaleSearch) {
		return "", ErrNotFound
	}
	return tok, err
}

// errStaleSearch is get's answer when the items a prefetched search found
// no longer exist; it is ErrNotFound for errors.Is. A type rather than
// fmt.Errorf at package level: nothing to build at start.
var errStaleSearch error = staleSearchError{}

type staleSearchError struct{}

func (staleSearchError) Error() string {
	return ErrNotFound.Error() + ": the token items changed while reading"
}
func (staleSearchError) Unwrap() error { return ErrNotFound }

func (s *secretService) get(address string) (string, error) {
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
	// The last step of the key exchange runs while GetSecrets is in flight.
	pending := s.sendService("GetSecrets", items, s.session)
	if _, err := s.sessionKey(); err != nil {
		pending.cancel()
		return "", err
	}
	var secrets map[dbus.ObjectPath]ssSecret
	if err := pending.wait().Store(&secrets); err != nil {
		if name := dbusErrorName(err); found.prefetched && (name == errNameNoSuchObject || name == errNameUnknownObj) {
			return "", errStaleSearch
		}
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
	if found.prefetched {
		return "", errStaleSearch
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
	prefetched       bool // an answer open asked for was used
}

// search finds the items for address: first as spelled, then with the
// trailing slash toggled; both spellings if all (sent at once, one round
// trip), else the first that has items (a hit costs one search). A lookup
// (!all) uses the search open already sent for the spelling, once; writes
// (all) drop every prefetched answer first.
func (s *secretService) search(address string, all bool) (searchResult, error) {
	var r searchResult
	spellings := addressSpellings(address)
	if all {
		s.dropPrefetched()
		calls := make([]pendingCall, len(spellings))
		for i, spelling := range spellings {
			calls[i] = s.searchCall(spelling)
		}
		var firstErr error
		for _, p := range calls {
			if err := r.add(p.wait()); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		if firstErr != nil {
			return searchResult{}, s.wrap(nil, "searching the Secret Service for the token", firstErr)
		}
		return r, nil
	}
	for _, spelling := range spellings {
		p, ok := s.takePrefetched(spelling)
		if ok {
			r.prefetched = true
		} else {
			p = s.searchCall(spelling)
		}
		if err := r.add(p.wait()); err != nil {
			return searchResult{}, s.wrap(nil, "searching the Secret Service for the token", err)
		}
		if len(r.unlocked)+len(r.locked) > 0 {
			break
		}
	}
	return r, nil
}

// add adds the items an answered SearchItems call found.
func (r *searchResult) add(c *dbus.Call) error {
	var unlocked, locked []dbus.ObjectPath
	if err := c.Store(&unlocked, &locked); err != nil {
		return err
	}
	r.unlocked = append(r.unlocked, unlocked...)
	r.locked = append(r.locked, locked...)
	return nil
}

// prefetchedSearches are the SearchItems calls open sent, by spelling; a
// mutex guards them, as the store is used from several goroutines.
type prefetchedSearches struct {
	mu    sync.Mutex
	calls map[string]pendingCall
}

// takePrefetched returns (and forgets) the search open sent for spelling.
func (s *secretService) takePrefetched(spelling string) (pendingCall, bool) {
	if s.prefetched == nil {
		return pendingCall{}, false
	}
	s.prefetched.mu.Lock()
	defer s.prefetched.mu.Unlock()
	c, ok := s.prefetched.calls[spelling]
	delete(s.prefetched.calls, spelling)
	return c, ok
}

// dropPrefetched forgets every search open sent: a write makes them stale.
func (s *secretService) dropPrefetched() {
	if s.prefetched == nil {
		return
	}
	s.prefetched.mu.Lock()
	defer s.prefetched.mu.Unlock()
	for _, p := range s.prefetched.calls {
		p.cancel()
	}
	s.prefetched.calls = nil
}

// pendingCall is a D-Bus call sent without waiting for its answer.
type pendingCall struct {
	call   *dbus.Call
	cancel context.CancelFunc
}

// wait returns the answered call; call it once.
func (p pendingCall) wait() *dbus.Call {
	<-p.call.Done
	p.cancel()
	return p.call
}

// searchCall sends SearchItems for the token items of one spelling of an
// address, without waiting for the answer.
func (s *secretService) searchCall(spelling string) pendingCall {
	return s.sendService("SearchItems", map[string]string{ssAttrService: spelling, ssAttrUsername: tokenUser})
}

// sendService calls a method of the Secret Service object without waiting
// for its answer, which pendingCall.wait gets within callTimeout.
func (s *secretService) sendService(method string, args ...any) pendingCall {
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	call := s.conn.Object(ssBusName, ssServicePath).GoWithContext(ctx, ssServiceIface+"."+method, 0, make(chan *dbus.Call, 1), args...)
	return pendingCall{call: call, cancel: cancel}
}

// addressSpellings returns address and the same address with its trailing
// slash removed or added (people configure both; pak and posit-keyring
// compare strings).
func addressSpellings(address string) []string {
	if trimmed := addr.Key(address); trimmed != address {
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
