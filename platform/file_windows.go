//go:build windows

package platform

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

func isWindows() bool { return true }

// openForRead opens path with FILE_SHARE_DELETE as well as read and write
// sharing, so that a reader does not make a writer's rename fail where the
// file system allows replacing an open file (directories open too, so that
// the caller can say the path is one).
func openForRead(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) {
			err = fs.ErrNotExist
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// replaceFile renames from over to, retrying for a moment while another
// program (pak, an editor, antivirus) has the file open without delete
// sharing.
func replaceFile(from, to string) error {
	var err error
	for range 50 {
		err = os.Rename(from, to)
		if err == nil || !errors.Is(err, syscall.ERROR_ACCESS_DENIED) && !errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// syncDir does nothing on Windows: directories cannot be opened for Sync,
// and MoveFileEx is durable enough once the file's data is flushed.
func syncDir(string) error { return nil }
