//go:build unix

package cli

import "testing"

// BenchmarkDisableCoreDumps: what the setrlimit call adds to every process.
func BenchmarkDisableCoreDumps(b *testing.B) {
	for range b.N {
		disableCoreDumps()
	}
}
