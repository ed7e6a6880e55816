package releasetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// TestGoInstallVersion: `go install github.com/posit-dev/git-credential-ppm@v1.2.3`
// from a module proxy (a local file:// one serving HEAD as v1.2.3) gives a
// binary named git-credential-ppm whose `version` says 1.2.3 — the module
// version from the build information, with no -ldflags.
func TestGoInstallVersion(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	const modPath, modVersion = "github.com/posit-dev/git-credential-ppm", "v1.2.3"
	proxy := t.TempDir()
	dir := filepath.Join(proxy, modPath, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, modVersion+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	// The committed tree (git archive, so a worktree works too), zipped the
	// way the module proxy does, without the nested tools module.
	src := t.TempDir()
	archive := exec.Command("sh", "-c", `git -C "$1" archive HEAD | tar -x -C "$2"`, "sh", root, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive HEAD: %v\n%s", err, out)
	}
	if err := modzip.CreateFromDir(f, module.Version{Path: modPath, Version: modVersion}, src); err != nil {
		t.Fatalf("zipping HEAD as %s@%s: %v", modPath, modVersion, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string][]byte{
		modVersion + ".mod":  gomod,
		modVersion + ".info": []byte(`{"Version":"` + modVersion + `","Time":"2026-12-01T00:00:00Z"}`),
		"list":               []byte(modVersion + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	gobin := t.TempDir()
	install := exec.Command("go", "install", modPath+"@"+modVersion)
	install.Dir = t.TempDir()
	// Our module from the local proxy; its dependencies from the module
	// cache or, when missing there, the usual proxy. No checksum database
	// knows this v1.2.3.
	upstream, _ := exec.Command("go", "env", "GOPROXY").Output()
	install.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "CGO_ENABLED=0",
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+strings.TrimSpace(string(upstream)),
		"GONOSUMDB="+modPath, "GOWORK=off")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install %s@%s: %v\n%s", modPath, modVersion, err, out)
	}
	bin := filepath.Join(gobin, "git-credential-ppm")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	want := "git-credential-ppm 1.2.3 (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if string(out) != want {
		t.Errorf("version after go install printed %q, want %q", out, want)
	}
}
