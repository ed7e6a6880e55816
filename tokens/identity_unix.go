//go:build unix

package tokens

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without blocking: a named pipe with no
// writer would otherwise hold open() (and the login lock) forever.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
