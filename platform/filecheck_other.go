//go:build !unix

package platform

import (
	"io/fs"
	"os"
)

// checkTokensFileInfo does not check ownership or permissions here: Go's
// mode bits do not describe Windows ACLs, and the default path lies in the
// profile, which only its user (and administrators) may write to.
func checkTokensFileInfo(fs.FileInfo, string) error { return nil }

// tightenTokensFile: see checkTokensFileInfo.
func tightenTokensFile(*os.File, fs.FileInfo, string) error { return nil }
