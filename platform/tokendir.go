package platform

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// errSymlink is the error of an open that refused to follow a symbolic link.
var errSymlink = errors.New("is a symbolic link, which is not followed here")

// ErrRefused is what every refusal of a token file or directory matches
// (errors.Is): a symbolic link, another user's file, one others can
// write. Such an error is one sentence saying what to do; the lifecycle
// stops on it rather than falling back to another store, since serving or
// saving a token there is what it guards against.
var ErrRefused = errors.New("refused an unsafe token file")

// refusal is an error sentence that matches ErrRefused.
type refusal struct{ msg string }

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Is(target error) bool { return target == ErrRefused }

// refused returns a refusal with the formatted sentence.
func refused(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

// linkRefusal is the refusal of the token file (or lock, or temporary
// file) what at path, which is a symbolic link: never followed, since
// through it this helper would read, chmod and overwrite whatever it
// points to.
func linkRefusal(what, path string) error {
	target := ""
	if t, err := os.Readlink(path); err == nil {
		target = " to " + strconv.QuoteToGraphic(t)
	}
	todo := "remove it"
	if what == "tokens file" {
		todo = "remove the link, and if the file it points to holds your tokens, move that file in its place"
	}
	return refused("the %s %s is a symbolic link%s, which is never followed (through it this helper would read and overwrite another file); %s", what, path, target, todo)
}

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
		return openTokensError(tokensPath, err)
	}
	defer f.Close()
	_, err = checkTokensFile(f, tokensPath)
	return err
}

// openTokensError is the error of a failed open of the tokens file: the
// refusal of a link as it is, anything else wrapped.
func openTokensError(path string, err error) error {
	if errors.Is(err, errSymlink) {
		return linkRefusal("tokens file", path)
	}
	return fmt.Errorf("could not open the tokens file %s: %w", path, err)
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
		return refused("%s, the directory of the tokens file, is not a directory; move it away or set PACKAGEMANAGER_SSO_TOKEN_FILE", dir)
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
		return nil, refused("the tokens file %s is a directory; set PACKAGEMANAGER_SSO_TOKEN_FILE to a file path", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, refused("the tokens file %s is not a regular file (%s); move it away", path, fi.Mode().Type())
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
		return refused("the %s %s is not a regular file; remove it", what, f.Name())
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

// OpenForRead opens a small file the helper reads on every request (the
// tokens file, the user configuration file) for reading as openForRead
// does: never through a symbolic link in its place (the error wraps
// errSymlink), a named pipe there does not block the open, and a regular
// file is read without the runtime's poller. The caller checks that what
// it opened is a regular file.
func OpenForRead(path string) (*os.File, error) { return openForRead(path) }
