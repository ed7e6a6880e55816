//go:build unix

package tty

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// Open opens the process's controlling terminal, /dev/tty, for
// prompts that must reach the person when stdout and stderr belong to
// another program (git reads stdout; pip and uv capture stderr). Without a
// controlling terminal the open fails at once with an error wrapping
// ErrNoTerminal; it never blocks.
func Open() (io.ReadWriteCloser, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("%w to prompt on (/dev/tty: %w)", ErrNoTerminal, err)
	}
	return f, nil
}
