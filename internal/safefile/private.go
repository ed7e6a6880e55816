package safefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
// they could swap the file for one of theirs or a link. A file that holds
// data already (0600, this user's) is left as it is. what names the file
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
	if fi != nil && unchanged(path, fi, data) {
		return nil // as it should be: no write, no fsync (R asks before each download)
	}
	return WriteFileAtomic(path, data, WriteOptions{Perm: 0o600})
}

// unchanged reports whether the regular file at path (fi, from Lstat)
// already holds data with mode 0600 and belongs to this user.
func unchanged(path string, fi fs.FileInfo, data []byte) bool {
	if fi.Size() != int64(len(data)) || (!isWindows() && fi.Mode().Perm() != 0o600) || CheckOwner(fi, "", path, false) != nil {
		return false
	}
	f, err := OpenNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	got, err := io.ReadAll(io.LimitReader(f, int64(len(data))+1))
	return err == nil && bytes.Equal(got, data)
}
