//go:build darwin

package platform

const nativeName = StoreKeychain

// openNative opens the macOS Keychain store: the Security framework when
// built with cgo, /usr/bin/security otherwise.
func openNative(opts Options) (Store, error) {
	return openKeychain(opts)
}
