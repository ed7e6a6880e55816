package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/posit-dev/git-credential-ppm/internal/filekind"
)

// WritePrivateFile writes a secret that another program reads (a netrc
// file) to path, atomically (WriteFileAtomic) and with mode 0600 whatever
// was there before. It refuses a path that is a symbolic link or anything
// but a regular file (a terminal, a FIFO, a directory), and, on Unix, a
// directory that belongs to another user or that other users can write to:
// they could swap the file for one of theirs or a link. what names the file
// in errors ("netrc file").
func WritePrivateFile(path, what string, data []byte) error {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; a %s is never written through one, so give the path of a regular file", path, what)
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s); a %s goes into a regular file, so give another path", path, filekind.Of(fi.Mode()), what)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot look at %s (%w); check its directory's permissions", path, err)
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot write the %s %s: its directory is missing or unreadable (%w); create the directory first", what, path, err)
	}
	if !di.IsDir() {
		return fmt.Errorf("cannot write the %s %s: %s is not a directory", what, path, dir)
	}
	if err := checkPrivateDirInfo(di, dir, what); err != nil {
		return err
	}
	return WriteFileAtomic(path, data, WriteOptions{Perm: 0o600})
}
