package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestContractCitationsExist: every "docs/contract.md §N" cited in the
// repository's code, scripts and documents names a section the contract
// has, and nothing still cites the SPEC.md or DESIGN.md the repository
// does not hold.
func TestContractCitationsExist(t *testing.T) {
	t.Parallel()
	contract, err := os.ReadFile(filepath.Join("docs", "contract.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^## §(\d+)`).FindAllStringSubmatch(string(contract), -1) {
		sections[m[1]] = true
	}
	if len(sections) < 9 {
		t.Fatalf("docs/contract.md has %d numbered sections; want §1–§9", len(sections))
	}
	cite := regexp.MustCompile(`docs/contract\.md §(\d+)`)
	stale := regexp.MustCompile(`\bSPEC(\.md)? ?§|\bSPEC\.md\b|\bDESIGN\.md\b`)
	cited := 0
	err = filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".sh", ".ps1", ".py", ".yml", ".yaml", ".toml":
		default:
			return nil
		}
		if path == filepath.Join("e2e", "docs_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range cite.FindAllStringSubmatch(string(b), -1) {
			cited++
			if !sections[m[1]] {
				t.Errorf("%s cites docs/contract.md §%s, which does not exist", path, m[1])
			}
		}
		if loc := stale.FindIndex(b); loc != nil {
			t.Errorf("%s cites %q, a file the repository does not hold; cite docs/contract.md or docs/architecture.md", path, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited == 0 {
		t.Errorf("no citation of docs/contract.md found: the walk read nothing")
	}
}
