// Package tty opens the person's terminal (/dev/tty, the Windows console)
// for prompts that must reach them when stdout and stderr belong to
// another program.
package tty

import "errors"

// ErrNoTerminal is returned (wrapped) by Open when the process has
// no terminal: CI jobs, services, a parent that detached it.
var ErrNoTerminal = errors.New("no terminal")
