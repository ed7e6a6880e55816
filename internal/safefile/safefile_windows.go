//go:build windows

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

func isWindows() bool { return true }

// openForRead opens path with FILE_SHARE_DELETE as well as read and write
// sharing, so that a reader does not make a writer's rename fail where the
// file system allows replacing an open file (directories open too, so that
// the caller can say the path is one). A symbolic link or a junction is
// opened as itself, never followed, and refused with ErrSymlink: Windows'
// O_NOFOLLOW. Other reparse points (deduplicated or cloud files) are files
// of their own and are opened as usual.
func openForRead(path string) (*os.File, error) {
	h, err := createForRead(path, windows.FILE_FLAG_OPEN_REPARSE_POINT)
	if err != nil {
		return nil, err
	}
	reparse, link, err := reparseKind(h)
	switch {
	case err != nil:
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	case link:
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrSymlink}
	case reparse:
		windows.CloseHandle(h)
		if h, err = createForRead(path, 0); err != nil {
			return nil, err
		}
	}
	return os.NewFile(uintptr(h), path), nil
}

// createForRead opens path for reading with the sharing openForRead
// describes and the extra flags.
func createForRead(path string, flags uint32) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_BACKUP_SEMANTICS|flags, 0)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) {
			err = fs.ErrNotExist
		}
		return 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return h, nil
}

// reparseKind reports whether h, opened with FILE_FLAG_OPEN_REPARSE_POINT,
// is a reparse point, and whether it is a symbolic link or a junction.
func reparseKind(h windows.Handle) (reparse, link bool, err error) {
	var info struct {
		FileAttributes uint32
		ReparseTag     uint32
	}
	if err := windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo, (*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		return false, false, err
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT == 0 {
		return false, false, nil
	}
	return true, info.ReparseTag == windows.IO_REPARSE_TAG_SYMLINK || info.ReparseTag == windows.IO_REPARSE_TAG_MOUNT_POINT, nil
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

// isJunction reports whether path, which os.Lstat described as fi, is a
// junction (a mount point: Lstat calls it irregular, not a link) or
// another link-like reparse point.
func isJunction(path string, fi fs.FileInfo) bool {
	if fi.Mode()&fs.ModeIrregular == 0 {
		return false
	}
	h, err := createForRead(path, windows.FILE_FLAG_OPEN_REPARSE_POINT)
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	_, link, err := reparseKind(h)
	return err == nil && link
}
