package cli

import (
	"errors"
	"fmt"
)

// Exit statuses, the same for every command (README, "Exit status").
// Commands return errors; exitStatus alone turns them into these.
const (
	exitOK      = 0 // success
	exitFailure = 1 // the command ran and failed (one line on stderr says why)
	exitUsage   = 2 // the command line is wrong (unknown option, extra argument)
)

// usageError is a wrong command line: exit status 2, its line on stderr,
// then help when it has some (the command's usage, for a bad option).
type usageError struct {
	err  error
	help string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a line made like fmt.Errorf's.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// statusError ends the program with its status and prints nothing: what
// there was to say has been said (doctor's ✗ lines, one line per failed
// address), or silence is the protocol (git's "not ours", keyring's "not
// found", a child's own exit status under exec).
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// withStatus returns the error that ends the program with code, silently;
// nil for 0.
func withStatus(code int) error {
	if code == exitOK {
		return nil
	}
	return &statusError{code: code}
}

// errReported is status 1 after the command has said why.
var errReported error = &statusError{code: exitFailure}

// exitStatus maps a command's error to the process's exit status, printing
// its one line: nil is 0; a usage error is 2, with its line and help; a
// status error is its status, silently; any other error is 1 with its line.
func exitStatus(inv *invocation, err error) int {
	if err == nil {
		return exitOK
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		inv.errorf("%v", err) // with what wrapped it
		if ue.help != "" {
			fmt.Fprint(inv.stderr, ue.help)
		}
		return exitUsage
	}
	inv.errorf("%v", err)
	return exitFailure
}
