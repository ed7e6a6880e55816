package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// goosForList are the operating systems whose build tags the real graph is
// listed with: files behind a tag may import what others do not.
var goosForList = []string{"linux", "windows", "darwin", "freebsd"}

// listModule runs `go list -e -json` over the whole module for goos and
// returns its packages.
func listModule(t *testing.T, goBin, goos string) []Package {
	t.Helper()
	gomod, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		t.Fatalf("go env GOMOD = %q (%v); run the test inside the module", gomod, err)
	}
	cmd := exec.Command(goBin, "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd.Env = append(os.Environ(), "GOOS="+goos)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GOOS=%s go list ./...: %v\n%s", goos, err, stderr.Bytes())
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Package
			Error *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("GOOS=%s go list ./...: reading its JSON: %v", goos, err)
		}
		if p.Error != nil {
			t.Fatalf("GOOS=%s go list: %s: %s", goos, p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p.Package)
	}
	return pkgs
}

// TestImportLayers holds the module to the rule of this package: every
// import of every package, its tests' included, under the build tags of
// each OS we ship, points down.
func TestImportLayers(t *testing.T) {
	goBin := testtool.Need(t, "go")
	var order []string
	where := map[string][]string{} // violation → the GOOS it shows under
	for _, goos := range goosForList {
		pkgs := listModule(t, goBin, goos)
		// Not vacuous: the graph has the layers the rule names, with an
		// import from the lifecycle down to the stores.
		seen := map[string]Package{}
		for _, p := range pkgs {
			seen[p.ImportPath] = p
		}
		for _, want := range []string{Module, Module + "/tokens", Module + "/oauth", Module + "/platform", Module + "/protocol"} {
			if _, ok := seen[want]; !ok {
				t.Fatalf("GOOS=%s go list ./... has no %s among its %d packages", goos, want, len(pkgs))
			}
		}
		if !strings.Contains(strings.Join(seen[Module+"/tokens"].Imports, " "), Module+"/platform") {
			t.Fatalf("GOOS=%s: tokens does not import platform; the listing is not the module's graph", goos)
		}
		for _, v := range Check(pkgs) {
			if where[v.String()] == nil {
				order = append(order, v.String())
			}
			where[v.String()] = append(where[v.String()], goos)
		}
	}
	for _, v := range order {
		t.Errorf("%s (GOOS %s)", v, strings.Join(where[v], ", "))
	}
}

// TestCheckReportsViolations feeds Check a graph with one import of each
// kind the rule forbids, beside allowed ones, and wants exactly the
// forbidden ones, each naming the offending import.
func TestCheckReportsViolations(t *testing.T) {
	m := func(rel string) string {
		if rel == "" {
			return Module
		}
		return Module + "/" + rel
	}
	graph := []Package{
		// Allowed: down the layers, within one, std and other modules.
		{ImportPath: m(""), Imports: []string{"os", m("internal/cli")}},
		{ImportPath: m("internal/cli"), Imports: []string{m("internal/clients"), m("tokens"), m("protocol"), m("platform"), m("oauth"), m("internal/browser")},
			TestImports: []string{m("internal/testing/fakeppm")}},
		{ImportPath: m("internal/clients"), Imports: []string{m("platform"), m("protocol"), m("internal/safefile")}},
		{ImportPath: m("tokens"), Imports: []string{m("oauth"), m("platform"), m("internal/filelock"), "golang.org/x/oauth2"}},
		{ImportPath: m("platform"), Imports: []string{m("internal/safefile")}, XTestImports: []string{m("platform"), m("platform/storetest")}},
		{ImportPath: m("platform/storetest"), Imports: []string{m("platform"), "testing"}},
		{ImportPath: m("protocol"), Imports: []string{"bufio", "net/url", m("internal/addr")}},
		{ImportPath: m("internal/filelock"), Imports: []string{m("internal/safefile")}},
		{ImportPath: m("internal/testing/qrtest"), Imports: []string{m("internal/testing/testtool")}},
		{ImportPath: m("e2e"), TestImports: []string{m("internal/testing/fakeppm"), m("platform")}},
		// Forbidden.
		{ImportPath: m("platform/keychainx"), Imports: []string{m("tokens")}},          // upward
		{ImportPath: m("oauth"), Imports: []string{m("platform")}},                     // sideways
		{ImportPath: m("internal/safefile"), Imports: []string{m("internal/cli")}},     // a leaf reaching the cli
		{ImportPath: m("tokens/sub"), TestImports: []string{m("internal/clients")}},    // upward, in a test
		{ImportPath: m("internal/redact"), Imports: []string{m("internal/testing/x")}}, // a test double outside tests
		{ImportPath: m("protocol/sub"), Imports: []string{"os"}},                       // impure
		{ImportPath: m("protocol/wire"), Imports: []string{m("internal/safefile")}},    // not a pure leaf
		{ImportPath: m("cmd/other")},                                                   // no layer
	}
	want := []string{
		m("platform/keychainx") + " imports " + m("tokens") + ": an upward import",
		m("oauth") + " imports " + m("platform") + ": oauth and platform (the stores) sit side by side",
		m("internal/safefile") + " imports " + m("internal/cli") + ": an upward import",
		m("tokens/sub") + " imports in a test " + m("internal/clients") + ": an upward import",
		m("internal/redact") + " imports " + m("internal/testing/x") + ": test doubles are for tests only",
		m("protocol/sub") + " imports os: protocol is pure",
		m("protocol/wire") + " imports " + m("internal/safefile") + ": protocol imports only",
		m("cmd/other") + ": the layering rule has no place for this package",
	}
	got := Check(graph)
	if len(got) != len(want) {
		t.Errorf("Check found %d violations; want %d:", len(got), len(want))
		for _, v := range got {
			t.Errorf("  %s", v)
		}
		t.FailNow()
	}
	for i, v := range got {
		if !strings.HasPrefix(v.String(), want[i]) {
			t.Errorf("violation %d = %q; want it to start %q", i, v, want[i])
		}
	}
}

func TestOf(t *testing.T) {
	for path, want := range map[string]Layer{
		Module:                                  CLI,
		Module + "/internal/cli":                CLI,
		Module + "/internal/cli/sub":            CLI,
		Module + "/e2e":                         BlackBox,
		Module + "/internal/clients":            Clients,
		Module + "/tokens":                      Lifecycle,
		Module + "/oauth":                       OAuth,
		Module + "/platform":                    Platform,
		Module + "/platform/storetest":          TestDouble,
		Module + "/internal/testing/fakeppm":    TestDouble,
		Module + "/protocol":                    Protocol,
		Module + "/internal/safefile":           Leaf,
		Module + "/internal/wheel/cmd/mkwheel":  Leaf,
		Module + "/python":                      Leaf,
		Module + "/internal/clientsx":           Leaf, // a prefix is not a parent
		Module + "/platformx":                   {},
		"github.com/posit-dev/git-credential-p": {},
		"os":                                    {},
	} {
		got, ok := Of(path)
		if got != want || ok != (want != Layer{}) {
			t.Errorf("Of(%s) = %v, %v; want %v", path, got, ok, want)
		}
	}
}
