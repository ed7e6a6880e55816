package releasetest

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const name = "git-credential-ppm"

// targets are the six platforms docs/contract.md §9 ships.
var targets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// release describes the dist/ under test.
type release struct {
	dist      string
	root      string            // the repository
	version   string            // e.g. 0.0.0-SNAPSHOT-0123abc
	commit    string            // full hash of HEAD
	time      time.Time         // commit time, what every file in an archive carries
	checksums map[string]string // file name → sha256 from checksums.txt
}

// load reads dist/ once per test; a missing dist/ fails (under CI) or skips
// loudly: these tests check a build, they cannot make one.
func load(t *testing.T) *release {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dist := os.Getenv("DIST")
	if dist == "" {
		dist = filepath.Join(root, "dist")
	}
	if _, err := os.Stat(filepath.Join(dist, "checksums.txt")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s/checksums.txt is missing: run `go tool -modfile=tools/go.mod task test:release`, which builds dist/ first", dist)
		}
		t.Skipf("SKIPPING: no %s/checksums.txt; `task test:release` builds it first", dist)
	}
	r := &release{dist: dist, root: root, checksums: map[string]string{}}
	var meta struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	}
	readJSON(t, filepath.Join(dist, "metadata.json"), &meta)
	r.version, r.commit = meta.Version, meta.Commit
	head := strings.TrimSpace(run(t, root, "git", "rev-parse", "HEAD"))
	if r.commit != head {
		t.Fatalf("dist/ was built from commit %s, but the checkout is at %s: rebuild it", r.commit, head)
	}
	if !strings.HasPrefix(r.version, "0.0.0-SNAPSHOT-") || !strings.HasPrefix(head, strings.TrimPrefix(r.version, "0.0.0-SNAPSHOT-")) {
		t.Fatalf("snapshot version %q is not 0.0.0-SNAPSHOT-<commit of HEAD %s>", r.version, head)
	}
	ct := strings.TrimSpace(run(t, root, "git", "log", "-1", "--format=%ct", "HEAD"))
	var sec int64
	fmt.Sscan(ct, &sec)
	r.time = time.Unix(sec, 0).UTC()

	data, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		sum, file, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || strings.ContainsAny(file, "/ ") {
			t.Fatalf("checksums.txt line %q is not `<sha256>  <file>`", sc.Text())
		}
		r.checksums[file] = sum
	}
	return r
}

func (r *release) archive(goos, goarch string) string {
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", name, r.version, goos, goarch, ext)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// run runs a command in dir and returns its stdout; a failure ends the test.
func run(t *testing.T, dir, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", prog, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// need finds a tool; missing, it fails under CI=true and skips loudly elsewhere.
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run must install it", tool)
	}
	t.Skipf("SKIPPING: %s is not installed on this machine (CI installs it)", tool)
	return ""
}

// member is one file of an archive.
type member struct {
	mode os.FileMode
	mod  time.Time
	data []byte
}

func readArchive(t *testing.T, path string) map[string]member {
	t.Helper()
	files := map[string]member{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name] = member{f.Mode(), f.Modified.UTC(), data}
		}
		return files
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = member{h.FileInfo().Mode(), h.ModTime.UTC(), data}
	}
	return files
}

// TestArchives: each of the six archives holds exactly the binary, LICENSE
// and README.md from this commit, with the commit's time on every file, and
// the binary was built static, trimmed, without a build id, for its target,
// with the snapshot version stamped in.
func TestArchives(t *testing.T) {
	r := load(t)
	license, _ := os.ReadFile(filepath.Join(r.root, "LICENSE"))
	readme, _ := os.ReadFile(filepath.Join(r.root, "README.md"))
	for _, tg := range targets {
		t.Run(tg.goos+"_"+tg.goarch, func(t *testing.T) {
			a := r.archive(tg.goos, tg.goarch)
			if _, ok := r.checksums[a]; !ok {
				t.Errorf("checksums.txt does not list %s", a)
			}
			files := readArchive(t, filepath.Join(r.dist, a))
			bin := name
			if tg.goos == "windows" {
				bin += ".exe"
			}
			var names []string
			for n := range files {
				names = append(names, n)
			}
			if len(files) != 3 || files[bin].data == nil || files["LICENSE"].data == nil || files["README.md"].data == nil {
				t.Fatalf("%s holds %q, want exactly %s, LICENSE and README.md", a, names, bin)
			}
			if !bytes.Equal(files["LICENSE"].data, license) || !bytes.Equal(files["README.md"].data, readme) {
				t.Errorf("%s: LICENSE or README.md differ from the checkout's", a)
			}
			if files[bin].mode.Perm() != 0o755 {
				t.Errorf("%s: %s has mode %v, want 0755", a, bin, files[bin].mode)
			}
			for n, m := range files {
				if !m.mod.Equal(r.time) {
					t.Errorf("%s: %s has time %v, want the commit's %v (reproducible archives)", a, n, m.mod, r.time)
				}
			}
			checkBuildInfo(t, r, files[bin].data, tg.goos, tg.goarch)
			if tg.goos == runtime.GOOS && tg.goarch == runtime.GOARCH {
				p := filepath.Join(t.TempDir(), bin)
				if err := os.WriteFile(p, files[bin].data, 0o755); err != nil {
					t.Fatal(err)
				}
				checkVersionOutput(t, r, p)
			}
		})
	}
}

// checkBuildInfo reads the binary's embedded build settings with `go version -m`.
func checkBuildInfo(t *testing.T, r *release, bin []byte, goos, goarch string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(p, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	info := run(t, r.root, "go", "version", "-m", p)
	for _, want := range []string{
		"\tbuild\t-trimpath=true\n",
		"\tbuild\tCGO_ENABLED=0\n",
		"\tbuild\tGOOS=" + goos + "\n",
		"\tbuild\tGOARCH=" + goarch + "\n",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("go version -m: no %q in\n%s", want, info)
		}
	}
	// -trimpath keeps -ldflags out of the build info: look for what they set.
	if id := strings.TrimSpace(run(t, r.root, "go", "tool", "buildid", p)); id != "" {
		t.Errorf("the binary has build id %q, want none (-buildid=)", id)
	}
	for _, stamped := range []string{r.version, r.commit} {
		if !bytes.Contains(bin, []byte(stamped)) {
			t.Errorf("the binary does not contain %q (-X main.version/main.commit)", stamped)
		}
	}
	if strings.Contains(info, r.root) {
		t.Errorf("the binary names the build directory %s (not -trimpath?)", r.root)
	}
}

// checkVersionOutput runs a binary's `version` and wants the snapshot
// version, the commit and the commit's date.
func checkVersionOutput(t *testing.T, r *release, bin string) {
	t.Helper()
	out := run(t, r.root, bin, "version")
	want := fmt.Sprintf("%s %s (commit %s, %s, ", name, r.version, r.commit[:12], r.time.Format(time.RFC3339))
	if !strings.HasPrefix(out, want) {
		t.Errorf("%s version printed %q, want it to start %q", bin, out, want)
	}
}

// TestChecksumsFile: the real sha256sum -c accepts checksums.txt in dist/,
// and it lists every archive, package, wheel and installer there, nothing
// else.
func TestChecksumsFile(t *testing.T) {
	r := load(t)
	need(t, "sha256sum")
	out := run(t, r.dist, "sha256sum", "-c", "--strict", "checksums.txt")
	if got := strings.Count(out, ": OK\n"); got != len(r.checksums) {
		t.Errorf("sha256sum -c confirmed %d files, checksums.txt lists %d:\n%s", got, len(r.checksums), out)
	}
	entries, err := os.ReadDir(r.dist)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		shipped := strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".deb") || strings.HasSuffix(n, ".rpm") || strings.HasSuffix(n, ".whl") ||
			n == "install.sh" || n == "install.ps1"
		if _, listed := r.checksums[n]; shipped != listed {
			t.Errorf("dist/%s: shipped %v, listed in checksums.txt %v", n, shipped, listed)
		}
	}
	for _, tg := range targets {
		if _, ok := r.checksums[r.archive(tg.goos, tg.goarch)]; !ok {
			t.Errorf("checksums.txt lacks %s", r.archive(tg.goos, tg.goarch))
		}
	}
}

// TestReproducibleBinary rebuilds the linux/amd64 binary from `git archive
// HEAD` in another directory, with the flags .goreleaser.yaml passes, and
// wants the very bytes the archive holds: nothing of the build machine's
// paths, time or build id goes into a release binary.
func TestReproducibleBinary(t *testing.T) {
	r := load(t)
	src := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := exec.Command("sh", "-c", `git -C "$1" archive HEAD | tar -x -C "$2"`, "sh", r.root, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive HEAD: %v\n%s", err, out)
	}
	out := filepath.Join(t.TempDir(), name)
	ldflags := fmt.Sprintf("-s -w -buildid= -X main.version=%s -X main.commit=%s -X main.date=%s", r.version, r.commit, r.time.Format(time.RFC3339))
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOFLAGS=")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := readArchive(t, filepath.Join(r.dist, r.archive("linux", "amd64")))[name].data
	if !bytes.Equal(got, want) {
		t.Errorf("a rebuild of HEAD in %s is %d bytes, the released binary %d, and they differ: the build is not reproducible", src, len(got), len(want))
	}
}
