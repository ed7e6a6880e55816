//go:build unix

package tokens

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
)

// A named pipe with no writer used to block open() forever, holding the
// login lock; /dev/zero was read until memory ran out. Both are refused at
// once, and the lock is free afterwards.
func TestIdentityFileRefusesPipesAndDevices(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("cannot create a named pipe: %v", err)
	}
	cases := map[string]string{fifo: "is a named pipe, not a regular file", "/dev/zero": "is a character device, not a regular file"}
	for path, say := range cases {
		_, err := readWithin(t, func() (string, error) { return IdentityFile{Path: path}.IdentityToken(context.Background()) })
		oneLine(t, err, say)
		m := &Manager{Store: newMem(), Identity: IdentityFile{Path: path}, LockDir: t.TempDir()}
		for i := 0; i < 2; i++ { // the second attempt would block on a held lock
			_, err = readWithin(t, func() (string, error) {
				tok, err := m.Get(context.Background(), "https://ppm.example.com", Options{})
				return tok.Value, err
			})
			oneLine(t, err, say)
		}
	}
}
