//go:build !unix

package cli

// disableCoreDumps does nothing where there is no RLIMIT_CORE (Windows
// writes no core files unless a debugger or WER is set up to).
func disableCoreDumps() {}
