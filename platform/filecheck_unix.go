//go:build unix

package platform

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

// checkTokensFileInfo refuses a tokens file another user owns or can write
// to (anyone could have put a token there).
func checkTokensFileInfo(fi fs.FileInfo, path string) error {
	if err := safefile.CheckOwner(fi, "tokens file", path, false); err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return safefile.Refused("the tokens file %s can be written by other users (mode %04o), so its tokens cannot be trusted; check it, run `chmod 600 %s` and try again", path, perm, path)
	}
	return nil
}

// tightenTokensFile makes a tokens file that others can read (pak writing
// under a loose umask) 0600; failing to is an error, not a silent leak.
func tightenTokensFile(f *os.File, fi fs.FileInfo, path string) error {
	perm := fi.Mode().Perm()
	if perm&0o077 == 0 {
		return nil
	}
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("the tokens file %s can be read by other users (mode %04o) and could not be made private (%w); run `chmod 600 %s`", path, perm, err, path)
	}
	return nil
}
