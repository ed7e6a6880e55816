//go:build darwin && !cgo

package platform

import (
	"fmt"
	"os"
)

// openKeychain opens the Keychain store of a binary built without cgo,
// which drives /usr/bin/security (see keychain_security.go for what that
// means for who can read the token), or returns an error wrapping
// ErrUnavailable when the tool is missing or the keychain is locked.
func openKeychain(Options) (Store, error) {
	if _, err := os.Stat(securityPath); err != nil {
		return nil, fmt.Errorf("%w: %s is missing, so the Keychain cannot be used: %v", ErrUnavailable, securityPath, err)
	}
	s := newSecurityStore(securityPath, execRunner{})
	if err := s.probe(); err != nil {
		return nil, err
	}
	return s, nil
}
