//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import "fmt"

const nativeName = "secretservice"

// openNative is replaced by the Secret Service implementation.
func openNative(Options) (Store, error) {
	return nil, fmt.Errorf("%w: Secret Service support is not built yet", ErrUnavailable)
}
