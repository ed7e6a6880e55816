package releasetest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// packageFile finds the one package in dist/ matching pattern (nfpm spells
// the version its own way: 0.0.0~SNAPSHOT-abc for deb, 0.0.0~SNAPSHOT_abc-1
// for rpm) and wants it listed in checksums.txt.
func (r *release) packageFile(t *testing.T, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(r.dist, pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("dist/%s matches %q, want one package", pattern, m)
	}
	if _, ok := r.checksums[filepath.Base(m[0])]; !ok {
		t.Errorf("checksums.txt lacks %s", filepath.Base(m[0]))
	}
	return m[0]
}

// TestDebPackage: the .deb's control fields, and what dpkg-deb -x unpacks:
// /usr/bin/git-credential-ppm (which runs and reports this version), the
// LICENSE as the Debian copyright file and the README.
func TestDebPackage(t *testing.T) {
	r := load(t)
	need(t, "dpkg-deb")
	r.packageFile(t, name+"_*_arm64.deb")
	deb := r.packageFile(t, name+"_*_"+runtime.GOARCH+".deb")
	debVersion := strings.Replace(r.version, "-", "~", 1) // 0.0.0~SNAPSHOT-abc sorts before 0.0.0
	info := run(t, r.dist, "dpkg-deb", "--field", deb, "Package", "Version", "Architecture", "Maintainer")
	for _, want := range []string{"Package: " + name + "\n", "Version: " + debVersion + "\n", "Architecture: " + runtime.GOARCH + "\n", "Maintainer: Posit Software, PBC"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb --field: no %q in\n%s", want, info)
		}
	}
	root := t.TempDir()
	run(t, r.dist, "dpkg-deb", "-x", deb, root)
	checkPackageTree(t, r, root, "usr/share/doc/git-credential-ppm/copyright")
}

// TestRpmPackage: the .rpm's payload, unpacked with rpm2cpio and cpio, holds
// the same binary at /usr/bin, the LICENSE under /usr/share/licenses and the
// README under /usr/share/doc.
func TestRpmPackage(t *testing.T) {
	r := load(t)
	need(t, "rpm2cpio")
	need(t, "cpio")
	r.packageFile(t, name+"-*.aarch64.rpm")
	rpm := r.packageFile(t, name+"-*."+map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]+".rpm")
	root := t.TempDir()
	unpack := exec.Command("sh", "-c", `rpm2cpio "$1" | cpio -idm --quiet --no-absolute-filenames`, "sh", rpm)
	unpack.Dir = root
	if out, err := unpack.CombinedOutput(); err != nil {
		t.Fatalf("rpm2cpio | cpio: %v\n%s", err, out)
	}
	checkPackageTree(t, r, root, "usr/share/licenses/git-credential-ppm/LICENSE")
}

// checkPackageTree checks an unpacked package: the executable binary at
// usr/bin, identical to the archive's, its `version`, the license file and
// the README.
func checkPackageTree(t *testing.T, r *release, root, licensePath string) {
	t.Helper()
	bin := filepath.Join(root, "usr", "bin", name)
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatalf("the package installs no /usr/bin/%s: %v", name, err)
	}
	if st.Mode().Perm() != 0o755 {
		t.Errorf("/usr/bin/%s has mode %v, want 0755", name, st.Mode())
	}
	checkVersionOutput(t, r, bin)
	got, _ := os.ReadFile(bin)
	files := readArchive(t, filepath.Join(r.dist, r.archive(runtime.GOOS, runtime.GOARCH)))
	if !bytes.Equal(got, files[name].data) {
		t.Errorf("/usr/bin/%s differs from the binary in %s", name, r.archive(runtime.GOOS, runtime.GOARCH))
	}
	lic, err := os.ReadFile(filepath.Join(root, licensePath))
	want, _ := os.ReadFile(filepath.Join(r.root, "LICENSE"))
	if err != nil || !bytes.Equal(lic, want) {
		t.Errorf("the package's /%s is not the LICENSE (%v)", licensePath, err)
	}
	// The README, where Debian and Fedora keep a package's documentation
	// (a format's overrides.contents replaces the shared list in
	// .goreleaser.yaml: each format must name it).
	const readmePath = "usr/share/doc/git-credential-ppm/README.md"
	readme, err := os.ReadFile(filepath.Join(root, readmePath))
	want, _ = os.ReadFile(filepath.Join(r.root, "README.md"))
	if err != nil || !bytes.Equal(readme, want) {
		t.Errorf("the package has no /%s identical to the checkout's README.md (%v)", readmePath, err)
	}
}
