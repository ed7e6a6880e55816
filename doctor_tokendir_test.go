package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/fakeppm"
)

// TestDoctorRefusesAWritableTokenDirectory: with ~/.ppm writable by every
// user (docs/contract.md §8), doctor says so in one line with the chmod to run, and a
// get does not serve the token planted there.
func TestDoctorRefusesAWritableTokenDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions do not apply on Windows")
	}
	w := newWorld(t, fakeppm.Options{})
	dir := filepath.Join(w.home, ".ppm")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	planted := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmlsIn0.planted"
	toml := "[[connections]]\naddress = \"" + w.ppm.URL() + "\"\ntoken = \"" + planted + "\"\nauth_type = \"sso\"\n"
	if err := os.WriteFile(filepath.Join(dir, "tokens.toml"), []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := w.run("", "doctor"); !strings.Contains(r.stdout, "✓ token directory: "+dir) {
		t.Fatalf("doctor with a private token directory:\n%s", r.stdout)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	r := w.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ token directory: ") || !strings.Contains(r.stdout, "chmod 700 "+dir) {
		t.Fatalf("doctor with a 0777 token directory: %d\n%s", r.code, r.stdout)
	}
	g := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if strings.Contains(g.stdout, planted) || !strings.Contains(g.stderr, "chmod 700") {
		t.Fatalf("get with a 0777 token directory: stdout %q, stderr %q; want no token and the refusal", g.stdout, g.stderr)
	}
}
