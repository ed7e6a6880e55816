package wheel

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

func TestPEP440(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1.2.3", "1.2.3"},
		{"v1.2.3", "1.2.3"},
		{"v10.0.12", "10.0.12"},
		{"0.0.0-SNAPSHOT-abc123", "0.0.0.dev0+abc123"},
		{"0.0.1-SNAPSHOT-0123abc", "0.0.1.dev0+0123abc"},
		{"1.0.0-SNAPSHOT", "1.0.0.dev0"},
		{"v1.2.3-rc.1", "1.2.3rc1"},
		{"1.2.3-rc1", "1.2.3rc1"},
		{"1.2.3-rc", "1.2.3rc0"},
		{"1.2.3-alpha.2", "1.2.3a2"},
		{"1.2.3-beta.10", "1.2.3b10"},
		{"1.2.3+Build-7", "1.2.3+build.7"},
		{"1.2.3-rc.2+abc", "1.2.3rc2+abc"},
	} {
		got, err := PEP440(c.in)
		if err != nil || got != c.want {
			t.Errorf("PEP440(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "dev", "1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-preview.1", "1.2.3-rc.01", "1.2.3-SNAPSHOT-abc+def", "1.2.3+", "1.2.3+a..b", "v1.2.3\n", "1.2.3-rc.1 "} {
		if got, err := PEP440(bad); err == nil {
			t.Errorf("PEP440(%q) = %q; want an error", bad, got)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("PEP440(%q): error is not one line: %q", bad, err)
		}
	}
}

func TestTagsAndFilenames(t *testing.T) {
	want := map[string]string{
		"linux/amd64":   "git_credential_ppm-1.2.3-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64.whl",
		"linux/arm64":   "git_credential_ppm-1.2.3-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
		"darwin/amd64":  "git_credential_ppm-1.2.3-py3-none-macosx_11_0_x86_64.whl",
		"darwin/arm64":  "git_credential_ppm-1.2.3-py3-none-macosx_11_0_arm64.whl",
		"windows/amd64": "git_credential_ppm-1.2.3-py3-none-win_amd64.whl",
		"windows/arm64": "git_credential_ppm-1.2.3-py3-none-win_arm64.whl",
	}
	for p, name := range want {
		goos, goarch, _ := strings.Cut(p, "/")
		got, err := Filename(Options{GOOS: goos, GOARCH: goarch, Version: "v1.2.3"})
		if err != nil || got != name {
			t.Errorf("%s: %q, %v; want %q", p, got, err, name)
		}
	}
	for _, p := range [][2]string{{"linux", "386"}, {"freebsd", "amd64"}, {"windows", "arm"}, {"", ""}} {
		if _, err := Tags(p[0], p[1]); err == nil {
			t.Errorf("Tags(%s, %s): no error", p[0], p[1])
		}
	}
}

func testOptions(goos, goarch string) Options {
	return Options{
		Binary:      []byte("\x7fELF pretend binary for " + goos + "/" + goarch + strings.Repeat("\x00\x01", 5000)),
		GOOS:        goos,
		GOARCH:      goarch,
		Version:     "0.0.0-SNAPSHOT-abc1234",
		License:     "MIT",
		Readme:      []byte("# git-credential-ppm\n\nTokens, *with* Markdown.\n"),
		LicenseText: []byte("license text\n"),
	}
}

// TestWheelContents opens the wheel as an installer does and checks every
// RECORD line against the bytes in the zip, the modes and the metadata.
func TestWheelContents(t *testing.T) {
	for _, p := range [][2]string{{"linux", "arm64"}, {"windows", "amd64"}, {"darwin", "arm64"}} {
		o := testOptions(p[0], p[1])
		name, data, err := Build(o)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: not a zip: %v", name, err)
		}
		const ver = "0.0.0.dev0+abc1234"
		info := "git_credential_ppm-" + ver + ".dist-info/"
		script := "git_credential_ppm-" + ver + ".data/scripts/" + Exe(p[0])
		bodies := map[string][]byte{}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			bodies[f.Name] = b
			if !f.Modified.Equal(MinTime) {
				t.Errorf("%s: %s modified %v; want %v", name, f.Name, f.Modified, MinTime)
			}
			wantMode := uint32(0o100644)
			if f.Name == script {
				wantMode = 0o100755
			}
			if got := f.ExternalAttrs >> 16; got != wantMode {
				t.Errorf("%s: %s external_attr mode %o; want %o", name, f.Name, got, wantMode)
			}
			if f.CreatorVersion>>8 != 3 {
				t.Errorf("%s: %s is not marked as made on Unix (creator %d), so its mode is not read", name, f.Name, f.CreatorVersion>>8)
			}
		}
		if names[len(names)-1] != info+"RECORD" {
			t.Errorf("%s: RECORD is not the last entry: %v", name, names)
		}
		for _, want := range []string{script, "git_credential_ppm/__init__.py", info + "METADATA", info + "WHEEL", info + "entry_points.txt", info + "LICENSE"} {
			if _, ok := bodies[want]; !ok {
				t.Errorf("%s: no %s in %v", name, want, names)
			}
		}
		if !bytes.Equal(bodies[script], o.Binary) {
			t.Errorf("%s: the script is not the binary", name)
		}
		rows, err := csv.NewReader(bytes.NewReader(bodies[info+"RECORD"])).ReadAll()
		if err != nil {
			t.Fatalf("%s: RECORD is not CSV: %v", name, err)
		}
		listed := map[string]bool{}
		for _, r := range rows {
			if len(r) != 3 {
				t.Fatalf("%s: RECORD row %q", name, r)
			}
			listed[r[0]] = true
			b, ok := bodies[r[0]]
			if !ok {
				t.Errorf("%s: RECORD lists %s, which is not in the wheel", name, r[0])
				continue
			}
			if r[0] == info+"RECORD" {
				if r[1] != "" || r[2] != "" {
					t.Errorf("%s: RECORD's own line %q", name, r)
				}
				continue
			}
			if r[1] != Hash(b) || r[2] != strconv.Itoa(len(b)) {
				t.Errorf("%s: RECORD %q; the file has %s,%d", name, r, Hash(b), len(b))
			}
			if strings.Contains(r[1], "=") && strings.HasSuffix(r[1], "=") {
				t.Errorf("%s: hash with padding: %s", name, r[1])
			}
		}
		for n := range bodies {
			if !listed[n] {
				t.Errorf("%s: %s is not in RECORD", name, n)
			}
		}
		sorted := append([]string(nil), names[:len(names)-1]...)
		if !sort.StringsAreSorted(sorted[:len(sorted)-len(metaNames(sorted))]) || !sort.StringsAreSorted(metaNames(sorted)) {
			t.Errorf("%s: entries are not sorted: %v", name, names)
		}

		tags, _ := Tags(p[0], p[1])
		wheel := headers(bodies[info+"WHEEL"])
		if got := wheel["Tag"]; strings.Join(got, " ") != strings.Join(tags, " ") || !strings.Contains(name, compressedTag(tags)) {
			t.Errorf("%s: WHEEL tags %v; want %v", name, got, tags)
		}
		if wheel["Root-Is-Purelib"][0] != "false" || wheel["Wheel-Version"][0] != "1.0" {
			t.Errorf("%s: WHEEL %q", name, bodies[info+"WHEEL"])
		}
		meta := headers(bodies[info+"METADATA"])
		for k, v := range map[string]string{"Metadata-Version": "2.1", "Name": "git-credential-ppm", "Version": ver, "License": "MIT", "Requires-Python": ">=3.8", "Description-Content-Type": "text/markdown", "Requires-Dist": "keyring>=23.9", "Provides-Extra": "keyring"} {
			if got := meta[k]; len(got) != 1 || got[0] != v {
				t.Errorf("%s: METADATA %s = %q; want %q", name, k, got, v)
			}
		}
		if !bytes.HasSuffix(bodies[info+"METADATA"], []byte("\n\n"+string(o.Readme))) {
			t.Errorf("%s: the README is not the METADATA body", name)
		}
		if got := string(bodies[info+"entry_points.txt"]); got != "[keyring.backends]\ngit_credential_ppm = git_credential_ppm\n" {
			t.Errorf("%s: entry_points.txt %q", name, got)
		}
	}
}

// metaNames is the .dist-info tail of the entry list.
func metaNames(names []string) []string {
	for i, n := range names {
		if strings.Contains(n, ".dist-info/") {
			return names[i:]
		}
	}
	return nil
}

// headers reads RFC 822-style fields up to the first blank line.
func headers(b []byte) map[string][]string {
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() && sc.Text() != "" {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		m[k] = append(m[k], v)
	}
	return m
}

func TestDeterministic(t *testing.T) {
	o := testOptions("linux", "amd64")
	_, a, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := Build(o)
	if !bytes.Equal(a, b) {
		t.Fatal("the same inputs gave different wheels")
	}
	o.Modified = time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600))
	_, c, _ := Build(o)
	if bytes.Equal(a, c) {
		t.Fatal("another timestamp gave the same bytes: the stamp is not used")
	}
	_, d, _ := Build(o)
	if !bytes.Equal(c, d) {
		t.Fatal("the same SOURCE_DATE_EPOCH gave different wheels")
	}
	o.Binary = append(o.Binary, 0)
	_, e, _ := Build(o)
	if bytes.Equal(c, e) {
		t.Fatal("another binary gave the same wheel")
	}
}

func TestBadOptions(t *testing.T) {
	for name, mutate := range map[string]func(*Options){
		"no binary":   func(o *Options) { o.Binary = nil },
		"no license":  func(o *Options) { o.License = "" },
		"bad version": func(o *Options) { o.Version = "latest" },
		"bad target":  func(o *Options) { o.GOARCH = "riscv64" },
	} {
		o := testOptions("linux", "amd64")
		mutate(&o)
		if _, _, err := Build(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestTwineCheck runs the real twine over a wheel for every platform, with
// the project's README as the description (twine renders it as PyPI does).
func TestTwineCheck(t *testing.T) {
	twine := testtool.Need(t, "twine")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := []string{"check", "--strict"}
	for _, p := range [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}, {"windows", "arm64"}} {
		o := testOptions(p[0], p[1])
		o.Readme = readme
		name, data, err := Build(o)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	out, err := exec.Command(twine, args...).CombinedOutput()
	if err != nil || strings.Count(string(out), "PASSED") != 6 {
		t.Fatalf("twine check: %v\n%s", err, out)
	}
	// twine check fails a broken wheel (so the test above can fail too).
	broken := filepath.Join(dir, "git_credential_ppm-1.0.0-py3-none-win_amd64.whl")
	if err := os.WriteFile(broken, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(twine, "check", broken).CombinedOutput(); err == nil {
		t.Fatalf("twine check passed a file that is not a wheel: %s", out)
	}
}
