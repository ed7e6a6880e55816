//go:build windows

package platform

const nativeName = StoreWincred

// openNative opens the Windows Credential Manager store, or returns an error
// wrapping ErrUnavailable when this logon session has no credential vault
// (network and SSH logons), so that auto falls back to the file store.
func openNative(Options) (Store, error) {
	s := newWincredStore(winCredAPI{})
	if err := s.probe(); err != nil {
		return nil, err
	}
	return s, nil
}
