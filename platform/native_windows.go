//go:build windows

package platform

import "fmt"

const nativeName = "wincred"

// openNative is replaced by the Windows Credential Manager implementation.
func openNative(Options) (Store, error) {
	return nil, fmt.Errorf("%w: Windows Credential Manager support is not built yet", ErrUnavailable)
}
