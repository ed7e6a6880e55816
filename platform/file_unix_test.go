//go:build unix

package platform

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

// TestFileStoreRefusesFIFO: a FIFO in place of tokens.toml is refused at
// once (the open does not wait for a writer), with a line saying to move it.
func TestFileStoreRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.toml")
	if err := filetest.Mkfifo(path); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := NewFileStore(path).Get("https://ppm.example.com"); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), "move it away") {
			t.Fatalf("Get with a FIFO as tokens.toml = %v; want a refusal saying to move it away", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Get blocked on a FIFO in place of tokens.toml")
	}
}
