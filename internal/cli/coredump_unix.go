//go:build unix

package cli

import "syscall"

// disableCoreDumps sets RLIMIT_CORE to 0, soft and hard, so that a crash of
// a process holding a token never writes the token into a core file; the
// children of exec inherit it. One system call, well under a microsecond
// (BenchmarkDisableCoreDumps). A failure is ignored: the limit is a second
// line of defence, not a reason to refuse git a token.
func disableCoreDumps() {
	_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0})
}
