// Package filekind names the kind of a file for error messages ("a
// directory", "a named pipe"), one wording for every place that refuses a
// file that is not what it should be.
package filekind

import "io/fs"

// Of returns the kind of a file with mode m, with its article: "a
// directory", "a named pipe", "a character device", "a device", "a
// socket", "a symbolic link", "a regular file", else "a special file".
func Of(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}
