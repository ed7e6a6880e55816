//go:build !unix && !windows

package tty

import (
	"fmt"
	"io"
	"runtime"
)

// Open reports that there is no terminal: this operating system has
// no way to find one.
func Open() (io.ReadWriteCloser, error) {
	return nil, fmt.Errorf("%w to prompt on (%s)", ErrNoTerminal, runtime.GOOS)
}
