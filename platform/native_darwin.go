//go:build darwin

package platform

import "fmt"

const nativeName = "keychain"

// openNative is replaced by the macOS Keychain implementation.
func openNative(Options) (Store, error) {
	return nil, fmt.Errorf("%w: Keychain support is not built yet", ErrUnavailable)
}
