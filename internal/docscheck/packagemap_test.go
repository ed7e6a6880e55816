package docscheck

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mapHeading is the heading of docs/architecture.md whose table is the
// package map: one row per package, the first cell the package's directory
// relative to the repository root in backticks (`.` for the root).
const mapHeading = "## Package map"

// TestPackageMap: the package map of docs/architecture.md names exactly the
// packages `go list ./...` lists, in the main module and in every other
// module of the repository (tools/). A package added, moved or deleted
// without its row fails here with the row to add or remove.
func TestPackageMap(t *testing.T) {
	root := repoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	mapped, err := parsePackageMap(string(doc))
	if err != nil {
		t.Fatalf("docs/architecture.md: %v", err)
	}
	listed := listPackages(t, root)
	if len(listed) < 10 {
		t.Fatalf("go list found %d packages: %v; the listing is broken", len(listed), listed)
	}
	for _, p := range listed {
		if !slices.Contains(mapped, p) {
			t.Errorf("docs/architecture.md's package map lacks %s, a package `go list ./...` lists: add the row\n\t| `%s` | what it holds, in one sentence |\nto the table under %q", p, p, mapHeading)
		}
	}
	for _, p := range mapped {
		if !slices.Contains(listed, p) {
			t.Errorf("docs/architecture.md's package map names %s, which `go list ./...` does not list (moved or deleted): remove its row under %q, or change it to the package's new directory", p, mapHeading)
		}
	}
}

var mapRow = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|")

// parsePackageMap returns the directories the package map's table names,
// in order. Anything in the section other than the table's rows (its
// header, separator, prose before and after it) is not read; a row whose
// first cell is not one path in backticks, or a path named twice, is an
// error.
func parsePackageMap(doc string) ([]string, error) {
	_, section, ok := strings.Cut(doc, "\n"+mapHeading+"\n")
	if !ok {
		return nil, fmt.Errorf("no %q heading; the package map is the table under it", mapHeading)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var dirs []string
	header := true
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		if header { // | package | what it holds |
			header = false
			continue
		}
		if strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| ---") {
			continue
		}
		m := mapRow.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("the package map row %q does not start with a package directory in backticks, such as | `internal/addr` |", line)
		}
		dir := m[1]
		if slices.Contains(dirs, dir) {
			return nil, fmt.Errorf("the package map names `%s` twice", dir)
		}
		dirs = append(dirs, dir)
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("the section %q has no table rows", mapHeading)
	}
	return dirs, nil
}

// listPackages returns the directory, relative to root and with forward
// slashes, of every package `go list ./...` lists in each module of the
// repository.
func listPackages(t *testing.T, root string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	var dirs []string
	for _, mod := range modules(t, root) {
		cmd := exec.Command(goBin, "list", "-f", "{{.Dir}}", "./...")
		cmd.Dir = mod
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list ./... in %s: %v\n%s", mod, err, stderr.Bytes())
		}
		for _, d := range strings.Fields(string(out)) {
			rel, err := filepath.Rel(root, d)
			if err != nil {
				t.Fatal(err)
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
	}
	return dirs
}

// modules returns the directories of the repository that hold a go.mod:
// the root and the nested modules (tools/), not testdata's.
func modules(t *testing.T, root string) []string {
	t.Helper()
	var mods []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "dist" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			mods = append(mods, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// repoRoot is the main module's directory, found by the go command.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatalf("go env GOMOD is %q: not inside the module", gomod)
	}
	return filepath.Dir(gomod)
}

// TestParsePackageMap: the parser reads the rows of the map's table and
// nothing else, and refuses a row it cannot read rather than skip it.
func TestParsePackageMap(t *testing.T) {
	good := "# A\n\n## Package map\n\nThe packages:\n\n| package | what it holds |\n|---|---|\n| `.` | main |\n| `internal/addr` | address keys |\n\nAfter.\n\n## Next\n\n| `not/read` | x |\n"
	dirs, err := parsePackageMap(good)
	if err != nil || !slices.Equal(dirs, []string{".", "internal/addr"}) {
		t.Errorf("parsePackageMap = %q, %v; want [. internal/addr]", dirs, err)
	}
	for name, doc := range map[string]string{
		"no heading":    "# A\n\n| package | x |\n|---|---|\n| `.` | main |\n",
		"no rows":       "## Package map\n\nnone yet\n",
		"bare path":     "## Package map\n\n| package | x |\n|---|---|\n| internal/addr | x |\n",
		"named twice":   "## Package map\n\n| package | x |\n|---|---|\n| `oauth` | x |\n| `oauth` | y |\n",
		"two in a cell": "## Package map\n\n| package | x |\n|---|---|\n| `oauth`, `tokens` | x |\n",
	} {
		if dirs, err := parsePackageMap(doc); err == nil {
			t.Errorf("%s: parsePackageMap = %q, want an error", name, dirs)
		}
	}
}
