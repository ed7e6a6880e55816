package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

// ErrRefused is what every refusal of a token file or directory matches
// (errors.Is): a symbolic link, another user's file, one others can
// write. It is safefile.ErrRefused, so that the refusals of the file
// store, of the locks beside it and of the helper's other private files
// are one error. Such an error is one sentence saying what to do; the
// lifecycle stops on it rather than falling back to another store, since
// serving or saving a token there is what it guards against.
var ErrRefused = safefile.ErrRefused

// CheckTokenDir checks the directory of the tokens file at tokensPath and,
// when it exists, the file itself, as the file store does before it trusts
// either: on Unix, a directory another user owns or can write to is
// refused, and so is a tokens file that is not a regular file, belongs to
// another user, or can be written by another user. nil when both are fine
// or do not exist yet. Each error is one sentence saying what to do; doctor
// prints it. (Windows: only the kinds of file are checked: Go's mode bits
// do not describe Windows ACLs.)
func CheckTokenDir(tokensPath string) error {
	if err := safefile.CheckDir(filepath.Dir(tokensPath)); err != nil {
		return err
	}
	f, err := safefile.OpenForRead(tokensPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return openTokensError(tokensPath, err)
	}
	defer f.Close()
	_, err = checkTokensFile(f, tokensPath)
	return err
}

// openTokensError is the error of a failed open of the tokens file: the
// refusal of a link as it is, anything else wrapped.
func openTokensError(path string, err error) error {
	if errors.Is(err, safefile.ErrSymlink) {
		return safefile.LinkRefusal("tokens file", path)
	}
	return fmt.Errorf("could not open the tokens file %s: %w", path, err)
}

// checkTokensFile checks the opened tokens file f: a regular file this user
// owns and only this user can write.
func checkTokensFile(f *os.File, path string) (fs.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("could not read the tokens file %s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, safefile.Refused("the tokens file %s is a directory; set PACKAGEMANAGER_SSO_TOKEN_FILE to a file path", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, safefile.Refused("the tokens file %s is not a regular file (%s); move it away", path, fi.Mode().Type())
	}
	return fi, checkTokensFileInfo(fi, path)
}
