package clients

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

// writeFileAtomic replaces path atomically (platform's one atomic
// write), keeping an existing file's mode (0600 for a new one).
func writeFileAtomic(path string, data []byte) error {
	return safefile.WriteFileAtomic(path, data, safefile.WriteOptions{Perm: 0o600, KeepMode: true})
}

// writeThrough replaces the file at path, or the file a symbolic link at
// path ends at (a dotfile manager's pip.conf: the link stays a link, even
// a dangling one), atomically, creating path's directory.
func writeThrough(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the directory of %s (%w); check its permissions", path, err)
	}
	return safefile.WriteFileAtomic(path, data, safefile.WriteOptions{Perm: 0o600, KeepMode: true, ThroughSymlink: true})
}
