package platform

import (
	"errors"
	"fmt"
)

// This file holds the Windows Credential Manager store's logic, which is
// independent of the operating system: its item names and error wording.
// The store itself is a chunkedStore (chunked.go); the calls into advapi32
// (CredReadW, CredWriteW, CredDeleteW) sit behind credAPI, in
// wincred_windows.go; tests use an in-memory credAPI on every OS.
//
// Layout in the Credential Manager (generic credentials, persisted
// LocalMachine, user name "__token__"):
//
//   - The target name is "git-credential-ppm:" followed by the address with
//     any trailing slashes removed, so "https://ppm.example.com" and
//     "https://ppm.example.com/" are the same entry.
//   - A token of at most wincredMaxBlob (2560) bytes, the limit real Windows
//     enforces on CredentialBlob (CredWrite fails with error 1783 above it;
//     Wine does not check), is the blob of that one item, as UTF-8 bytes.
//   - A longer token (at most maxChunkedToken bytes) is split into pieces of
//     2560 bytes, as chunked.go describes.

const (
	// wincredPrefix starts every target name this store writes.
	wincredPrefix = "git-credential-ppm:"
	// wincredMaxBlob is the largest CredentialBlob Windows accepts
	// (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5*512 bytes).
	wincredMaxBlob = 2560
)

// errNoLogonSession is what a credAPI returns for ERROR_NO_SUCH_LOGON_SESSION:
// network logons (SSH, WinRM, some services) have no credential vault.
var errNoLogonSession = errors.New("this logon session has no credential vault")

// newWincredStore is the Windows Credential Manager store over api.
func newWincredStore(api credAPI) *chunkedStore {
	return &chunkedStore{
		api:      api,
		name:     StoreWincred,
		describe: "wincred (Windows Credential Manager, target " + wincredPrefix + "…)",
		where:    "the Windows Credential Manager",
		prefix:   wincredPrefix,
		maxBlob:  wincredMaxBlob,
		explain:  explainWincred,
	}
}

// explainWincred says what ERROR_NO_SUCH_LOGON_SESSION means and what to do.
func explainWincred(err error) error {
	if errors.Is(err, errNoLogonSession) {
		return fmt.Errorf("%w: %v (network or SSH logon); log on interactively or set PPM_CREDENTIAL_STORE=file", ErrUnavailable, err)
	}
	return err
}

// wincredTarget is the primary target name for address.
func wincredTarget(address string) (string, error) {
	return newWincredStore(nil).target(address)
}
