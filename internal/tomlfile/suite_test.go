package tomlfile

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// validInTOML11 are the documents of toml-test that TOML 1.0 refuses and
// TOML 1.1 allows (the list toml-test keeps for 1.1); this package
// accepts them, as BurntSushi/toml does.
var validInTOML11 = map[string]bool{
	"invalid/datetime/no-secs.toml":            true,
	"invalid/local-time/no-secs.toml":          true,
	"invalid/local-datetime/no-secs.toml":      true,
	"invalid/string/basic-byte-escapes.toml":   true,
	"invalid/inline-table/trailing-comma.toml": true,
	"invalid/inline-table/linebreak-01.toml":   true,
	"invalid/inline-table/linebreak-02.toml":   true,
	"invalid/inline-table/linebreak-03.toml":   true,
	"invalid/inline-table/linebreak-04.toml":   true,
}

// TestTOMLTestSuite runs the differential check on every document of
// toml-test (github.com/toml-lang/toml-test, valid and invalid, TOML 1.0
// and 1.1), the copy BurntSushi/toml ships in its module, and checks that
// we accept every valid one and refuse every invalid one.
func TestTOMLTestSuite(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/BurntSushi/toml").Output()
	dir := filepath.Join(strings.TrimSpace(string(out)), "internal", "toml-test", "tests")
	if _, serr := os.Stat(dir); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("toml-test is not in the module cache (%v, %v); run go mod download", err, serr)
		}
		t.Skipf("SKIPPING: toml-test is not in the module cache (%v, %v)", err, serr)
	}
	n := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		valid := strings.HasPrefix(rel, "valid/")
		if !valid && !strings.HasPrefix(rel, "invalid/") {
			return nil // version.toml
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		t.Run(rel, func(t *testing.T) {
			_, derr := Decode(data)
			if valid && derr != nil {
				t.Errorf("valid document refused: %v\n%s", derr, data)
			}
			if !valid && derr == nil && !validInTOML11[rel] {
				t.Errorf("invalid document accepted:\n%q", data)
			}
			checkAgainstBurntSushi(t, data)
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 500 {
		t.Fatalf("only %d documents in %s", n, dir)
	}
}
