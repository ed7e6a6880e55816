//go:build !unix && !windows

package platform

import (
	"fmt"
	"io"
	"runtime"
)

// OpenTerminal reports that there is no terminal: this operating system has
// no way to find one.
func OpenTerminal() (io.ReadWriteCloser, error) {
	return nil, fmt.Errorf("%w to prompt on (%s)", ErrNoTerminal, runtime.GOOS)
}
