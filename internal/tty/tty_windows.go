//go:build windows

package tty

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Open opens the console the process is attached to (CONIN$ for
// reading, CONOUT$ for writing), for prompts that must reach the person when
// stdout and stderr belong to another program. A process without a console
// (a service, a GUI parent, DETACHED_PROCESS) gets an error wrapping
// ErrNoTerminal at once.
func Open() (io.ReadWriteCloser, error) {
	out, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w to prompt on (CONOUT$: %w)", ErrNoTerminal, err)
	}
	in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("%w to prompt on (CONIN$: %w)", ErrNoTerminal, err)
	}
	return &console{in: in, out: out}, nil
}

// console reads from CONIN$ and writes to CONOUT$.
type console struct{ in, out *os.File }

func (c *console) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *console) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *console) Close() error                { return errors.Join(c.in.Close(), c.out.Close()) }
