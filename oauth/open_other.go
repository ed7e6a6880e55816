//go:build !unix

package oauth

import "os"

// openNoBlock opens path for reading. Outside Unix, opening a file does not
// block on a named pipe the way it does there; the caller looks at what it
// opened before reading.
func openNoBlock(path string) (*os.File, error) {
	return os.Open(path)
}
