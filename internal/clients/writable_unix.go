//go:build unix

package clients

import "golang.org/x/sys/unix"

// canWriteDir asks the kernel whether this user may create files in dir
// (permissions, a read-only mount); root may almost anywhere.
func canWriteDir(dir string) error {
	return unix.Access(dir, unix.W_OK|unix.X_OK)
}
