package releasetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// server serves dir on loopback and records the paths asked for.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func serve(t *testing.T, dir string) *server {
	t.Helper()
	s := &server{}
	files := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// installResult is one run of install.sh.
type installResult struct {
	code           int
	stdout, stderr string
	home           string
}

// runInstall runs install.sh under dash with a fresh HOME; pathDirs go in
// front of PATH (or replace it when onlyPath is set).
func runInstall(t *testing.T, r *release, pathDirs []string, onlyPath bool, args ...string) installResult {
	t.Helper()
	dash := need(t, "dash")
	home := t.TempDir()
	path := strings.Join(pathDirs, string(os.PathListSeparator))
	if !onlyPath {
		path += string(os.PathListSeparator) + os.Getenv("PATH")
	}
	cmd := exec.Command(dash, append([]string{filepath.Join(r.root, "install.sh")}, args...)...)
	cmd.Dir = home
	cmd.Env = []string{"HOME=" + home, "PATH=" + path, "LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := installResult{stdout: stdout.String(), stderr: stderr.String(), home: home}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running install.sh: %v", err)
		}
		res.code = ee.ExitCode()
	}
	return res
}

// wantInstalled checks dir/git-credential-ppm is the host archive's binary,
// executable, and answers `version`.
func wantInstalled(t *testing.T, r *release, res installResult, dir string) {
	t.Helper()
	if res.code != 0 {
		t.Fatalf("install.sh exited %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	bin := filepath.Join(dir, name)
	got, err := os.ReadFile(bin)
	if err != nil {
		t.Fatalf("nothing installed at %s: %v\n%s", bin, err, res.stdout)
	}
	files := readArchive(t, filepath.Join(r.dist, r.archive(runtime.GOOS, runtime.GOARCH)))
	if !bytes.Equal(got, files[name].data) {
		t.Errorf("%s is not the binary from %s", bin, r.archive(runtime.GOOS, runtime.GOARCH))
	}
	if st, _ := os.Stat(bin); st.Mode().Perm() != 0o755 {
		t.Errorf("%s has mode %v, want 0755", bin, st.Mode())
	}
	checkVersionOutput(t, r, bin)
	if !strings.Contains(res.stdout, "Installed "+name+" "+r.version+" to "+bin) || !strings.Contains(res.stdout, "Next: git-credential-ppm setup") {
		t.Errorf("install.sh printed %q, want where it installed which version, and the next step", res.stdout)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) != 0 {
		t.Errorf("install.sh left %q in %s", leftovers, dir)
	}
}

// wantNothingInstalled: a refused run fails with one clear line on stderr
// containing each of wants, and leaves the target directory uncreated.
func wantNothingInstalled(t *testing.T, res installResult, dir string, wants ...string) {
	t.Helper()
	if res.code == 0 {
		t.Fatalf("install.sh succeeded, want a refusal\nstdout: %s", res.stdout)
	}
	for _, w := range wants {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("install.sh said %q, want it to say %q", res.stderr, w)
		}
	}
	if lines := strings.Count(strings.TrimSpace(res.stderr), "\n"); lines != 0 {
		t.Errorf("install.sh wrote %d lines to stderr, want one: %q", lines+1, res.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(dir)
		t.Errorf("%s exists after a refused install (%d entries)", dir, len(entries))
	}
}

// toolDir makes a directory of links to exactly the named programs, for a
// PATH with nothing else on it.
func toolDir(t *testing.T, tools ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range tools {
		p := need(t, tool)
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The programs install.sh may use besides curl or wget.
var baseTools = []string{"dash", "uname", "mktemp", "rm", "awk", "cut", "sha256sum", "tar", "gzip", "mkdir", "cp", "chmod", "mv", "sed", "tr"}

func TestInstallScript(t *testing.T) {
	r := load(t)
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("install.sh is for Linux and macOS")
	}
	if out, err := exec.Command(need(t, "dash"), "-n", filepath.Join(r.root, "install.sh")).CombinedOutput(); err != nil {
		t.Fatalf("dash -n install.sh: %v\n%s", err, out)
	}
	srv := serve(t, r.dist)

	t.Run("latest_with_curl", func(t *testing.T) {
		need(t, "curl")
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, nil, false, "--base-url", srv.URL+"/", "--dir", dir)
		wantInstalled(t, r, res, dir)
		if !strings.Contains(res.stdout, dir+" is not on your PATH") {
			t.Errorf("install.sh did not say that %s is not on PATH: %q", dir, res.stdout)
		}
	})
	t.Run("version_with_wget_only_default_dir", func(t *testing.T) {
		path := toolDir(t, append([]string{"wget"}, baseTools...)...)
		res := runInstall(t, r, []string{path}, true, "--base-url="+srv.URL, "--version", "v"+r.version)
		wantInstalled(t, r, res, filepath.Join(res.home, ".local", "bin"))
	})
	t.Run("replaces_an_older_binary", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\necho old\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		wantInstalled(t, r, runInstall(t, r, nil, false, "--base-url", srv.URL, "--dir", dir, "--version", r.version), dir)
	})

	t.Run("corrupted_archive_refused", func(t *testing.T) {
		bad := t.TempDir()
		archive := r.archive(runtime.GOOS, runtime.GOARCH)
		data, err := os.ReadFile(filepath.Join(r.dist, archive))
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x01 // one bit, in the middle of the compressed binary
		sums, _ := os.ReadFile(filepath.Join(r.dist, "checksums.txt"))
		if err := os.WriteFile(filepath.Join(bad, archive), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, "checksums.txt"), sums, 0o644); err != nil {
			t.Fatal(err)
		}
		badSrv := serve(t, bad)
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, nil, false, "--base-url", badSrv.URL, "--dir", dir)
		wantNothingInstalled(t, res, dir, "sha256 of "+archive, r.checksums[archive], "nothing was installed")
		if got := badSrv.requests(); len(got) != 2 {
			t.Errorf("install.sh asked for %q, want checksums.txt and the archive", got)
		}
	})
	t.Run("unknown_architecture", func(t *testing.T) {
		fake := t.TempDir()
		uname := "#!/bin/sh\ncase $1 in -s) echo Linux ;; -m) echo riscv64 ;; *) echo Linux ;; esac\n"
		if err := os.WriteFile(filepath.Join(fake, "uname"), []byte(uname), 0o755); err != nil {
			t.Fatal(err)
		}
		before := len(srv.requests())
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, []string{fake}, false, "--base-url", srv.URL, "--dir", dir)
		wantNothingInstalled(t, res, dir, "no git-credential-ppm build for the architecture 'riscv64'", "go install github.com/posit-dev/git-credential-ppm@latest")
		if n := len(srv.requests()) - before; n != 0 {
			t.Errorf("install.sh downloaded %d files for an architecture it cannot install", n)
		}
	})
	t.Run("unknown_os", func(t *testing.T) {
		fake := t.TempDir()
		if err := os.WriteFile(filepath.Join(fake, "uname"), []byte("#!/bin/sh\ncase $1 in -m) echo x86_64 ;; *) echo FreeBSD ;; esac\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, []string{fake}, false, "--base-url", srv.URL, "--dir", dir)
		wantNothingInstalled(t, res, dir, "no git-credential-ppm build for the OS 'FreeBSD'")
	})
	t.Run("unknown_version", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, nil, false, "--base-url", srv.URL, "--dir", dir, "--version", "9.9.9")
		wantNothingInstalled(t, res, dir, "checksums.txt lists no archive for "+runtime.GOOS+"/"+runtime.GOARCH+" at version 9.9.9")
	})
	t.Run("no_release_there", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, nil, false, "--base-url", srv.URL+"/nothing-here", "--dir", dir)
		wantNothingInstalled(t, res, dir, "cannot download "+srv.URL+"/nothing-here/checksums.txt")
	})
	t.Run("bad_option", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bin")
		res := runInstall(t, r, nil, false, "--dir", dir, "--prefix", "/usr")
		wantNothingInstalled(t, res, dir, "unknown option '--prefix'")
	})
}
