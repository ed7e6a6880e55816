package platform

import "errors"

// ErrNoTerminal is returned (wrapped) by OpenTerminal when the process has
// no terminal: CI jobs, services, a parent that detached it.
var ErrNoTerminal = errors.New("no terminal")
