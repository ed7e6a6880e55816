//go:build !unix

package tokens

import "os"

// openNoBlock opens path for reading. Outside Unix, opening a file does not
// block on a named pipe the way it does there; the caller checks the type.
func openNoBlock(path string) (*os.File, error) {
	return os.Open(path)
}
