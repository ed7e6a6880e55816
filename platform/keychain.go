package platform

import (
	"errors"
	"fmt"
)

// This file holds what the two macOS Keychain stores share, independent of
// the operating system so that it is tested everywhere:
//
//   - keychain_cgo_darwin.go (darwin && cgo) calls the Security framework
//     through github.com/keybase/go-keychain;
//   - keychain_security.go drives /usr/bin/security, for binaries built with
//     CGO_ENABLED=0 (go-keychain compiles empty without cgo).
//
// Both keep one generic password per address in the default (login)
// keychain: service "git-credential-ppm", account = the address without
// trailing slashes, a readable label. Both go through chunkedStore, so they
// read each other's items: every password starts with a NUL marker byte
// (see keychainDecode), and tokens too long for one line of `security -i`
// are split into "<address>:chunk:<i>" items.

const (
	// keychainService is the service attribute of every item.
	keychainService = "git-credential-ppm"
	// keychainLockedMessage is what a person reads when the keychain cannot
	// ask for its password (errSecInteractionNotAllowed).
	keychainLockedMessage = "the login keychain is locked (SSH session?): run `security unlock-keychain`"
)

// OSStatus codes of the Security framework the stores act on. `security`
// exits with the low byte of the status (44 for errSecItemNotFound).
const (
	errSecUserCanceled          = -128
	errSecAuthFailed            = -25293
	errSecNoSuchKeychain        = -25294
	errSecDuplicateItem         = -25299
	errSecItemNotFound          = -25300
	errSecNoDefaultKeychain     = -25307
	errSecInteractionNotAllowed = -25308
)

// keychainStatus is an OSStatus returned by the Security framework.
type keychainStatus int

func (s keychainStatus) Error() string {
	return fmt.Sprintf("Keychain error (OSStatus %d)", int(s))
}

// explainKeychain turns a Keychain error into a sentence saying what to do;
// a locked or missing keychain wraps ErrUnavailable, so that auto falls back
// to the file store.
func explainKeychain(err error) error {
	var st keychainStatus
	if !errors.As(err, &st) {
		return err
	}
	switch st {
	case errSecInteractionNotAllowed:
		return fmt.Errorf("%w: %s", ErrUnavailable, keychainLockedMessage)
	case errSecNoSuchKeychain, errSecNoDefaultKeychain:
		return fmt.Errorf("%w: there is no default keychain (%v); create one in Keychain Access or set PPM_CREDENTIAL_STORE=file", ErrUnavailable, err)
	case errSecUserCanceled:
		return fmt.Errorf("the Keychain access request was cancelled (%v); run the command again and allow access", err)
	case errSecAuthFailed:
		return fmt.Errorf("the Keychain refused access (%v); unlock it with `security unlock-keychain` or allow access when asked", err)
	}
	return err
}

// keychainDecode strips the NUL marker both stores put before every
// password they write, so that `security find-generic-password -w` always
// prints it as hex and the fallback can tell it from a password made of hex
// digits (see keychain_security.go). Passwords without it are returned as
// they are.
func keychainDecode(data []byte) []byte {
	if len(data) > 0 && data[0] == 0 {
		return data[1:]
	}
	return data
}

// keychainLabel is the label (Keychain Access "Name") of an item.
func keychainLabel(item credItem) string {
	if item.Comment != "" {
		return item.Comment
	}
	return "Posit Package Manager token for " + item.Target + " (git-credential-ppm)"
}

// newKeychainStore is the Keychain store over api. maxBlob is the largest
// password one item holds: no limit for the Security framework, one line of
// `security -i` for the fallback.
func newKeychainStore(api credAPI, describe string, maxBlob int) *chunkedStore {
	return &chunkedStore{
		api:      api,
		name:     StoreKeychain,
		describe: describe,
		where:    "the macOS Keychain",
		prefix:   "",
		maxBlob:  maxBlob,
		explain:  explainKeychain,
	}
}
