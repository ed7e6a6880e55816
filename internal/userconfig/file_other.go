//go:build !unix

package userconfig

import "io/fs"

// checkPrivate checks nothing here: Go's mode bits do not describe Windows
// ACLs, and %APPDATA% lies in the profile, which only its user (and
// administrators) may write to.
func checkPrivate(fs.FileInfo, string, string) error { return nil }
