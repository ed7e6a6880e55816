package platform

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// errSymlink is the error of an open that refused to follow a symbolic link.
var errSymlink = errors.New("is a symbolic link, which is not followed here")

// CheckTokenDir checks the directory of the tokens file at tokensPath and,
// when it exists, the file itself, as the file store does before it trusts
// either: on Unix, a directory another user owns or can write to is
// refused, and so is a tokens file that is not a regular file, belongs to
// another user, or can be written by another user. nil when both are fine
// or do not exist yet. Each error is one sentence saying what to do; doctor
// prints it. (Windows: only the kinds of file are checked, see
// checkTokenDirInfo.)
func CheckTokenDir(tokensPath string) error {
	if err := checkTokenDir(filepath.Dir(tokensPath)); err != nil {
		return err
	}
	f, err := openForRead(tokensPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not open the tokens file %s: %w", tokensPath, err)
	}
	defer f.Close()
	_, err = checkTokensFile(f, tokensPath)
	return err
}

// checkTokenDir checks the token directory dir; nil when it does not exist.
func checkTokenDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not read the token directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s, the directory of the tokens file, is not a directory; move it away or set PACKAGEMANAGER_SSO_TOKEN_FILE", dir)
	}
	return checkTokenDirInfo(fi, dir)
}

// checkTokensFile checks the opened tokens file f: a regular file this user
// owns and only this user can write.
func checkTokensFile(f *os.File, path string) (fs.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("could not read the tokens file %s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("the tokens file %s is a directory; set PACKAGEMANAGER_SSO_TOKEN_FILE to a file path", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the tokens file %s is not a regular file (%s); move it away", path, fi.Mode().Type())
	}
	return fi, checkTokensFileInfo(fi, path)
}

// checkOwnFile refuses what an opened lock or marker file must not be:
// anything but a regular file, or one that belongs to another user.
func checkOwnFile(f *os.File, what string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("the %s %s is not a regular file; remove it", what, f.Name())
	}
	return checkOwner(fi, what, f.Name(), false)
}

// ReadOwnFile reads a small file of the token directory (a marker the
// helper wrote), refusing to follow a symbolic link or to read anything but
// a regular file of this user; at most limit bytes.
func ReadOwnFile(path string, limit int64) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkOwnFile(f, "file"); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(f, limit))
}
