// Package platform holds the stores that keep PPM tokens, behind build
// tags: the operating systems' secret stores (Secret Service, Keychain,
// Windows Credential Manager) and the tokens.toml file store shared with
// pak and posit-keyring. A new store implements Store, is registered in
// open.go and passes platform/storetest.
package platform

import (
	"errors"
)

// ErrNotFound is returned by Store.Get and Store.Delete when no token is
// stored for the address.
var ErrNotFound = errors.New("no token stored for this address")

// Store keeps one PPM token per address. Addresses are passed exactly as the
// person configured them (PACKAGEMANAGER_ADDRESS, one element of the list);
// a store may normalise them (a trailing slash) for lookups.
//
// Implementations must be safe for use by several processes at once: two
// processes setting tokens for different addresses at the same time must not
// lose either write.
type Store interface {
	// Get returns the token stored for address, or ErrNotFound.
	Get(address string) (string, error)
	// Set stores token for address, replacing any previous one.
	Set(address, token string) error
	// Delete removes the token stored for address; ErrNotFound if none.
	Delete(address string) error
	// Name is the store's short name as PPM_CREDENTIAL_STORE spells it:
	// "file", "secretservice", "wincred" or "keychain".
	Name() string
	// Describe says which store this is and where, for status and
	// keyring --list-backends, e.g. "secretservice (gnome-keyring,
	// collection login)" or "file (/home/me/.ppm/tokens.toml)".
	Describe() string
}
