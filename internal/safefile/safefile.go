// Package safefile reads and writes the small private files of the helper
// (the token directory's files, a netrc file, configuration files) so that
// another user, a planted symbolic link or a killed process cannot make it
// read, overwrite or leave behind what it should not: atomic replacement,
// opens that never follow a link, and owner and mode checks whose refusals
// match ErrRefused.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
)

// ErrSymlink is the error of an open that refused to follow a symbolic link.
var ErrSymlink = errors.New("is a symbolic link, which is not followed here")

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

// Refused returns an error with the formatted sentence that matches
// ErrRefused.
func Refused(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

// LinkRefusal is the refusal of the token file (or lock, or temporary
// file) what at path, which is a symbolic link: never followed, since
// through it this helper would read, chmod and overwrite whatever it
// points to. what is "tokens file", "lock file" …; the tokens file's
// refusal also says how to put a linked tokens file in place.
func LinkRefusal(what, path string) error {
	target := ""
	if t, err := os.Readlink(path); err == nil {
		target = " to " + strconv.QuoteToGraphic(t)
	}
	todo := "remove it"
	if what == "tokens file" {
		todo = "remove the link, and if the file it points to holds your tokens, move that file in its place"
	}
	return Refused("the %s %s is a symbolic link%s, which is never followed (through it this helper would read and overwrite another file); %s", what, path, target, todo)
}

// CheckDir checks dir as the token directory (the directory of tokens.toml
// and of the helper's locks and markers; its errors call it that): on Unix
// one that another user owns (root's is accepted) or can write to is
// refused, and so is a path that is not a directory. nil when it does not
// exist.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not read the token directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return Refused("%s, the directory of the tokens file, is not a directory; move it away or set PACKAGEMANAGER_SSO_TOKEN_FILE", dir)
	}
	return checkDirInfo(fi, dir)
}

// CheckOwnFile refuses what an opened lock or marker file must not be:
// anything but a regular file, or one that belongs to another user. what
// names the file in the refusal ("lock file").
func CheckOwnFile(f *os.File, what string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return Refused("the %s %s is not a regular file; remove it", what, f.Name())
	}
	return CheckOwner(fi, what, f.Name(), false)
}

// ReadOwnFile reads a small file of the token directory (a marker the
// helper wrote), refusing to follow a symbolic link or to read anything but
// a regular file of this user; at most limit bytes.
func ReadOwnFile(path string, limit int64) ([]byte, error) {
	f, err := OpenNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := CheckOwnFile(f, "file"); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

// OpenForRead opens a small file the helper reads on every request (the
// tokens file, the user configuration file) for reading as openForRead
// does: never through a symbolic link in its place (the error wraps
// ErrSymlink), a named pipe there does not block the open, and a regular
// file is read without the runtime's poller. The caller checks that what
// it opened is a regular file.
func OpenForRead(path string) (*os.File, error) { return openForRead(path) }
