package platform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

// plantedToken is what another user "planted" in a file they could write.
const plantedToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmlsIn0.PLANTED"

const tokenFileWithPlant = "[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + plantedToken + "\"\nauth_type = \"sso\"\n"

// TestLockSymlinkLeavesTargetAlone: a link planted as tokens.toml.lock
// pointing at a file outside the directory must not truncate or write that
// file; the write is refused with a line saying to remove the link. (The
// lifecycle's own locks: TestLockRefusesSymlink in internal/filelock.)
func TestLockSymlinkLeavesTargetAlone(t *testing.T) {
	filetest.SkipOnWindows(t, "symlinks (a privilege there)")
	victim := filepath.Join(t.TempDir(), "victim")
	const content = "root-owned data that a planted link must not truncate\n"
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newTestFileStore(t, "")
	if err := os.Symlink(victim, s.path+".lock"); err != nil {
		t.Fatal(err)
	}
	err := s.Set("https://ppm.example.com", tokA)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("Set with a planted lock link = %v; want a refusal naming the link", err)
	}
	if strings.Contains(err.Error(), tokA) {
		t.Fatal("the error holds the token")
	}
	if err := s.Delete("https://ppm.example.com"); err == nil {
		t.Fatal("Delete with a planted lock link succeeded")
	}
	if got := filetest.ReadFile(t, victim); got != content {
		t.Fatalf("the file behind the link now holds %q (%d bytes); want it untouched (%d bytes)", got, len(got), len(content))
	}
	if fi, err := os.Lstat(s.path + ".lock"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the planted link was replaced (%v)", err)
	}
}

// TestTokenDirWritableByOthers: a 0777 (or group-writable) token directory
// is refused by Get, Set, Delete and CheckTokenDir, with the chmod to run.
func TestTokenDirWritableByOthers(t *testing.T) {
	filetest.SkipOnWindows(t, "Unix permissions")
	for _, mode := range []os.FileMode{0o777, 0o770, os.ModeSticky | 0o777} {
		t.Run(mode.String(), func(t *testing.T) {
			s := newTestFileStore(t, tokenFileWithPlant)
			dir := filepath.Dir(s.path)
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			before := filetest.ReadFile(t, s.path)
			for op, err := range map[string]error{
				"Get":           getErr(s),
				"Set":           s.Set("https://ppm.example.com", tokA),
				"Delete":        s.Delete("https://ppm.example.com"),
				"CheckTokenDir": CheckTokenDir(s.path),
			} {
				if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) || strings.Contains(err.Error(), plantedToken) {
					t.Errorf("%s in a %04o directory = %v; want a refusal saying chmod 700", op, mode, err)
				}
			}
			if filetest.ReadFile(t, s.path) != before {
				t.Fatal("a refused write changed the file")
			}
			if _, err := os.Stat(s.path + ".lock"); err == nil {
				t.Fatal("a refused write created a lock file in the directory")
			}
		})
	}
}

func getErr(s *FileStore) error {
	_, err := s.Get("https://ppm.example.com")
	return err
}

// TestTokensFileWritableByGroup: a 0660 tokens.toml holding a planted token
// is not served, nor overwritten; CheckTokenDir says so too.
func TestTokensFileWritableByGroup(t *testing.T) {
	filetest.SkipOnWindows(t, "Unix permissions")
	s := newTestFileStore(t, tokenFileWithPlant)
	if err := os.Chmod(s.path, 0o660); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("https://ppm.example.com")
	if err == nil || got != "" || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), plantedToken) {
		t.Fatalf("Get of a 0660 tokens file = (%q, %v); want a refusal saying chmod 600, without the token", got, err)
	}
	if err := s.Set("https://ppm.example.com", tokA); err == nil {
		t.Fatal("Set into a 0660 tokens file succeeded")
	}
	if err := CheckTokenDir(s.path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("CheckTokenDir = %v; want the same refusal", err)
	}
	filetest.WantMode(t, s.path, 0o660) // refused, not silently "fixed"
}

// TestTokenDirOwnedByAnother: a tokens file or directory of another user is
// refused. Needs root (to chown); CI runs as root.
func TestTokenDirOwnedByAnother(t *testing.T) {
	filetest.SkipOnWindows(t, "Unix owners")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root to chown a file to another user, and CI=true")
		}
		t.Skip("SKIPPED: needs root to chown a file to another user")
	}
	const other = 4242
	t.Run("file", func(t *testing.T) {
		s := newTestFileStore(t, tokenFileWithPlant)
		if err := os.Chown(s.path, other, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get("https://ppm.example.com"); err == nil || !strings.Contains(err.Error(), "belongs to user 4242") {
			t.Fatalf("Get of another user's tokens file = %v; want a refusal naming the owner", err)
		}
		if err := CheckTokenDir(s.path); err == nil {
			t.Fatal("CheckTokenDir accepted another user's tokens file")
		}
	})
	t.Run("directory", func(t *testing.T) {
		s := newTestFileStore(t, tokenFileWithPlant)
		if err := os.Chown(filepath.Dir(s.path), other, other); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("https://ppm.example.com", tokA); err == nil || !strings.Contains(err.Error(), "token directory") {
			t.Fatalf("Set in another user's directory = %v; want a refusal", err)
		}
	})
	t.Run("lock file", func(t *testing.T) {
		s := newTestFileStore(t, "")
		if err := os.WriteFile(s.path+".lock", nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(s.path+".lock", other, other); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("https://ppm.example.com", tokA); err == nil || !strings.Contains(err.Error(), "lock file") {
			t.Fatalf("Set with another user's lock file = %v; want a refusal", err)
		}
	})
}

func TestCheckTokenDirAcceptsOwnFiles(t *testing.T) {
	s := newTestFileStore(t, "<missing>")
	if err := CheckTokenDir(s.path); err != nil {
		t.Fatalf("CheckTokenDir with nothing there yet = %v", err)
	}
	if err := s.Set("https://ppm.example.com", tokA); err != nil {
		t.Fatal(err)
	}
	if err := CheckTokenDir(s.path); err != nil {
		t.Fatalf("CheckTokenDir after a Set = %v", err)
	}
}

// TestSetAndDeleteRemoveStaleTemps: the temporary file of a write that was
// killed may hold a token. The next Set removes it, and so does Delete
// (logout), even when tokens.toml was never written. Here it is one of an
// earlier version's names, old enough to be stale; which files are stale
// is safefile's rule (its TestKilledWriterLeavesNoToken kills a writer).
func TestSetAndDeleteRemoveStaleTemps(t *testing.T) {
	plant := func(t *testing.T, path string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(filepath.Dir(path), ".tokens.toml.123456789.tmp")
		if err := os.WriteFile(p, []byte(tokN), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("next Set", func(t *testing.T) {
		s := newTestFileStore(t, "")
		stale := plant(t, s.path)
		if err := s.Set("https://ppm.example.com", tokA); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the interrupted write's temporary file is still there after a Set (%v)", err)
		}
	})
	t.Run("logout without a tokens file", func(t *testing.T) {
		s := newTestFileStore(t, "<missing>")
		stale := plant(t, s.path)
		if err := s.Delete("https://ppm.example.com"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Delete = %v; want ErrNotFound", err)
		}
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("logout left the interrupted write's temporary file (%v)", err)
		}
	})
}
