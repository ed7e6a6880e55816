//go:build unix

package oauth

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without blocking: a named pipe with no
// writer would otherwise hold open() forever. The caller looks at what it
// opened before reading.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
