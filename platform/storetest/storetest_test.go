package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/platform"
)

// dirStore is a store the suite must accept: one file per address in a
// directory, written by rename, so several processes can share it.
type dirStore struct {
	dir    string
	broken string // "", "truncate", "no-not-found", "ignore-port"
}

func (d dirStore) file(address string) string {
	if d.broken == "ignore-port" {
		if u, err := url.Parse(address); err == nil {
			u.Host = u.Hostname()
			address = u.String()
		}
	}
	h := sha256.Sum256([]byte(address))
	return filepath.Join(d.dir, hex.EncodeToString(h[:]))
}

func (d dirStore) Get(address string) (string, error) {
	b, err := os.ReadFile(d.file(address))
	if errors.Is(err, fs.ErrNotExist) {
		if d.broken == "no-not-found" {
			return "", nil
		}
		return "", platform.ErrNotFound
	}
	return string(b), err
}

func (d dirStore) Set(address, token string) error {
	if d.broken == "truncate" && len(token) > 1000 {
		token = token[:1000]
	}
	f, err := os.CreateTemp(d.dir, "tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.WriteString(token); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), d.file(address))
}

func (d dirStore) Delete(address string) error {
	err := os.Remove(d.file(address))
	if errors.Is(err, fs.ErrNotExist) {
		return platform.ErrNotFound
	}
	return err
}

func (d dirStore) Name() string     { return "dir" }
func (d dirStore) Describe() string { return "dir (" + d.dir + ")" }

// The directory is passed to helper processes through the environment, as
// the package documentation tells store tests to do.
const envTestDir = "STORETEST_SELFTEST_DIR"

func TestSuiteAcceptsACorrectStore(t *testing.T) {
	dir := SharedDir(t, envTestDir)
	Run(t, func(t *testing.T) platform.Store { return dirStore{dir: dir} })
}

// TestBrokenStore is run only as a child of TestSuiteRejectsBrokenStores.
func TestBrokenStore(t *testing.T) {
	if os.Getenv("STORETEST_SELFTEST_BROKEN") == "" {
		t.Skip("runs only as a child of TestSuiteRejectsBrokenStores")
	}
	dir := os.Getenv(envTestDir)
	Run(t, func(t *testing.T) platform.Store {
		return dirStore{dir: dir, broken: os.Getenv("STORETEST_SELFTEST_BROKEN")}
	})
}

// A suite that cannot fail proves nothing: run it against broken stores in a
// child process and check the cases that should catch each fault do.
func TestSuiteRejectsBrokenStores(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		broken   string
		failures []string // subtests that must fail
	}{
		{"truncate", []string{"tokens/4KiB", "tokens/16KiB_stored_whole_or_refused_clearly"}},
		{"no-not-found", []string{"missing/get_returns_ErrNotFound", "lifecycle/set_get_overwrite_delete"}},
		{"ignore-port", []string{"addresses/kept_apart"}},
	}
	for _, tt := range tests {
		t.Run(tt.broken, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^TestBrokenStore$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "STORETEST_SELFTEST_BROKEN="+tt.broken, envTestDir+"="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store that is broken (%s); output:\n%s", tt.broken, out)
			}
			for _, f := range tt.failures {
				if !strings.Contains(string(out), "--- FAIL: TestBrokenStore/"+f+" ") {
					t.Errorf("case %s did not catch the %s store; output:\n%s", f, tt.broken, out)
				}
			}
		})
	}
}

func TestRunPattern(t *testing.T) {
	tests := map[string]string{
		"TestX/concurrency/processes_lose_nothing":            "^TestX$",
		"TestWine/wincred/concurrency/processes_lose_nothing": "^TestWine$/^wincred$",
		"TestA.b/concurrency/processes_lose_nothing":          `^TestA\.b$`,
	}
	for name, want := range tests {
		if got := runPattern(name); got != want {
			t.Errorf("runPattern(%q) = %q; want %q", name, got, want)
		}
	}
}
