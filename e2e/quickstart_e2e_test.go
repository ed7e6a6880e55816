package e2e

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// debianSite is where Debian's python3 packages live.
const debianSite = "/usr/lib/python3/dist-packages"

// wheelFromDebian packs a pure-Python distribution Debian installed
// (python3-keyring, twine) back into the wheel PyPI serves for it, from
// the files its RECORD lists (its scripts left out: pip writes them from
// entry_points.txt, for the environment it installs into), into dir.
// There is no PyPI here; this is the same code at the same version.
func wheelFromDebian(t *testing.T, distInfo, dir string) string {
	t.Helper()
	name, version, _ := strings.Cut(strings.TrimSuffix(distInfo, ".dist-info"), "-")
	f, err := os.Open(filepath.Join(debianSite, distInfo, "RECORD"))
	if err != nil {
		t.Fatalf("%s: %v (python3-keyring and twine install it)", distInfo, err)
	}
	defer f.Close()
	path := filepath.Join(dir, name+"-"+version+"-py3-none-any.whl")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	var record strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		file, _, _ := strings.Cut(sc.Text(), ",")
		if file == "" || strings.HasPrefix(file, "../") || strings.Contains(file, "__pycache__") || file == distInfo+"/RECORD" {
			continue
		}
		body, err := os.ReadFile(filepath.Join(debianSite, file))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
		sum := sha256.Sum256(body)
		record.WriteString(file + ",sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]) + "," + strconv.Itoa(len(body)) + "\n")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	record.WriteString(distInfo + "/RECORD,,\n")
	w, err := zw.Create(distInfo + "/RECORD")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// pypiStandIn is what PyPI would give a fresh venv here: a find-links
// directory with our wheel and keyring's and twine's, and, on PYTHONPATH,
// every other package Debian has (keyring's and twine's own dependencies:
// jaraco.classes, SecretStorage, requests, rich, …), but not keyring, twine
// or pip themselves, so that pip must install the first two into the venv
// — keyring only because our wheel requires it.
func pypiStandIn(t *testing.T, w *world, ourWheel string) (findLinks, pythonPath string) {
	t.Helper()
	findLinks = filepath.Join(w.home, "pypi")
	pythonPath = filepath.Join(w.home, "debian-site")
	for _, d := range []string{findLinks, pythonPath} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(ourWheel, filepath.Join(findLinks, filepath.Base(ourWheel))); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(debianSite)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "keyring-") && strings.HasSuffix(n, ".dist-info"),
			strings.HasPrefix(n, "twine-") && strings.HasSuffix(n, ".dist-info"):
			wheelFromDebian(t, n, findLinks)
			continue
		case n == "keyring", n == "twine", n == "pip", strings.HasPrefix(n, "pip-"), strings.HasSuffix(n, ".pth"):
			continue
		}
		if err := os.Symlink(filepath.Join(debianSite, n), filepath.Join(pythonPath, n)); err != nil {
			t.Fatal(err)
		}
	}
	return findLinks, pythonPath
}

// readmeQuickStart returns the README's Quick Start block.
func readmeQuickStart(t *testing.T) string {
	t.Helper()
	for _, b := range readmeShellBlocks(t) {
		if strings.HasPrefix(b, "python -m venv venv") {
			return b
		}
	}
	t.Fatal("README.md has no Quick Start block starting with `python -m venv venv`")
	return ""
}

// TestPositKeyringQuickStart runs the README's Quick Start — posit-keyring's,
// with our package and backend names and PPM's pypi-auth repository —
// word for word in bash, as a person coming from posit-keyring would: a
// fresh venv, `pip install git-credential-ppm` bringing keyring with it,
// `keyring --list-backends` listing our backend, then pip installing from
// the authenticated index and twine uploading, both reaching the fake
// Package Manager with the token of one device login. The only edits: the
// example address becomes the fake's, some-package the project it serves.
// What PyPI would serve comes from Debian's packages (pypiStandIn), and
// `python` is Debian's python3.
func TestPositKeyringQuickStart(t *testing.T) {
	slow(t)
	t.Parallel() // a minute of Python starts, mostly waiting on them
	py := needDebianPython(t)
	testtool.Need(t, "bash")
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	w.limit = 5 * time.Minute // three pip installs, a login and an upload
	findLinks, pythonPath := pypiStandIn(t, w, buildLinuxWheel(t, w.home))
	// `python` is Debian's python3, as `python` is on many machines.
	pybin := filepath.Join(w.home, "python-bin")
	os.MkdirAll(pybin, 0o755)
	if err := os.WriteFile(filepath.Join(pybin, "python"), []byte("#!/bin/sh\nexec "+py+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(w.home, "empty-index")
	os.MkdirAll(empty, 0o755)
	project := filepath.Join(w.home, "project")
	os.MkdirAll(filepath.Join(project, "dist"), 0o755)
	if err := os.WriteFile(filepath.Join(project, "dist", w.ppm.WheelFile()), w.ppm.WheelBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	w.set("PATH", pybin+":/usr/bin:/bin")
	w.set("PACKAGEMANAGER_ADDRESS", "") // the Quick Start exports it
	w.set("PYTHONPATH", pythonPath)
	w.set("PIP_FIND_LINKS", findLinks)
	w.set("PIP_INDEX_URL", "file://"+empty+"/") // PyPI, until the Quick Start points pip at Package Manager
	w.set("PIP_DISABLE_PIP_VERSION_CHECK", "1")
	w.set("PIP_NO_CACHE_DIR", "1")
	w.set("PYTHONDONTWRITEBYTECODE", "1")
	script := strings.NewReplacer(
		"https://__token__@ppm.example.com", strings.Replace(w.ppm.URL(), "://", "://__token__@", 1),
		"https://ppm.example.com", w.ppm.URL(),
		"some-package", w.ppm.WheelName(),
	).Replace(readmeQuickStart(t))
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = project
	r := w.runCmd(cmd, "")
	if r.code != 0 {
		t.Fatalf("the Quick Start failed (exit %d):\n%s\nstdout:\n%s\nstderr:\n%s", r.code, script, r.stdout, r.stderr)
	}
	venv := filepath.Join(project, "venv")
	// keyring came into the venv because our wheel requires it.
	if !strings.Contains(r.stdout, "Successfully installed git-credential-ppm-") || !strings.Contains(r.stdout, "keyring-23.9") {
		t.Errorf("pip install git-credential-ppm did not install keyring with it:\n%s", r.stdout)
	}
	if b, err := os.ReadFile(filepath.Join(venv, "bin", "keyring")); err != nil || !strings.HasPrefix(string(b), "#!"+venv) {
		t.Errorf("the venv has no keyring command of its own: %v %q", err, b)
	}
	if !strings.Contains(r.stdout, ourBackend) {
		t.Errorf("keyring --list-backends does not list %q:\n%s", ourBackend, r.stdout)
	}
	if !fileExists(filepath.Join(venv, "lib")) || !strings.Contains(r.stdout, "Successfully installed "+w.ppm.WheelName()) {
		t.Errorf("pip install %s did not install it:\n%s", w.ppm.WheelName(), r.stdout)
	}
	if up := w.ppm.Uploads(); len(up) != 1 || up[0] != w.ppm.WheelFile() {
		t.Errorf("twine upload: uploads %v", up)
	}
	c := w.ppm.Counts()
	if c.Device != 1 || c.Approved != 1 || c.Exchange != 1 {
		t.Errorf("counts %+v; want one device login, approved, one exchange, for pip and twine alike", c)
	}
	if c.Repo <= c.Unauthorized {
		t.Errorf("no authenticated request reached the fake: %+v", c)
	}
	w.assertNoSecretsLeaked()
}
