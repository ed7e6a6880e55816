//go:build !unix && !windows

package platform

import "os"

// openForRead opens the tokens file for reading (Plan 9, WebAssembly: no
// O_NONBLOCK; the caller checks that it is a regular file).
func openForRead(path string) (*os.File, error) { return os.Open(path) }
