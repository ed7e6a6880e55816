//go:build !linux && !windows && !darwin && !freebsd && !openbsd && !netbsd && !dragonfly

package platform

import "fmt"

const nativeName = "none"

func openNative(Options) (Store, error) {
	return nil, fmt.Errorf("%w: this operating system has no supported credential store", ErrUnavailable)
}
