package oauth

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostilePaths are what a user or CI could point a certificate variable at
// that must never be read as a file: each is refused with one line, at once.
type hostilePath struct {
	name, path string
	problem    string // in the error, after "cannot be used ("
}

func hostilePaths(t *testing.T) []hostilePath {
	t.Helper()
	dir := t.TempDir()
	sparse := filepath.Join(dir, "huge.pem")
	f, err := os.Create(sparse)
	must(t, err)
	size := int64(64 << 30) // 64 GiB, sparse: nothing is written
	if runtime.GOOS == "windows" {
		size = 17 << 20 // Wine writes the zeros
	}
	must(t, f.Truncate(size))
	must(t, f.Close())
	paths := []hostilePath{
		{"a directory", dir, "not a regular file: a directory"},
		{"a huge sparse file", sparse, "over 16 MiB"},
	}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "pipe.pem")
		must(t, mkfifo(fifo))
		paths = append(paths,
			hostilePath{"/dev/zero", "/dev/zero", "not a regular file: a character device"},
			hostilePath{"a named pipe", fifo, "not a regular file: a named pipe"},
			hostilePath{"a link to /dev/zero", symlink(t, "/dev/zero"), "not a regular file: a character device"})
	}
	return paths
}

func symlink(t *testing.T, target string) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), "link.pem")
	must(t, os.Symlink(target, link))
	return link
}

// loadRootsQuickly is LoadRoots that fails the test if it hangs.
func loadRootsQuickly(t *testing.T, getenv func(string) string) (Roots, error) {
	t.Helper()
	type result struct {
		r   Roots
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := LoadRoots(getenv)
		done <- result{r, err}
	}()
	select {
	case res := <-done:
		return res.r, res.err
	case <-time.After(20 * time.Second): // a hang, not a slow machine
		t.Fatal("LoadRoots hangs")
		return Roots{}, nil
	}
}

// TestHostileCertificateVariables: /dev/zero, a named pipe, a directory and
// a huge sparse file, named by each certificate variable, are one line
// naming the variable and the path, without reading them.
func TestHostileCertificateVariables(t *testing.T) {
	f := newTLSFake(t)
	for _, h := range hostilePaths(t) {
		for _, v := range []string{EnvCertFile, EnvRequestsBundle} {
			_, err := loadRootsQuickly(t, envOf(v, h.path))
			want := v + "=" + h.path + " cannot be used (" + h.problem + ")"
			var ca *CAError
			if !errors.As(err, &ca) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s as %s: %v; want one line saying %q", h.name, v, err, want)
			}
			if err := f.exchange(envOf(v, h.path)); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("an exchange with %s as %s: %v; want it refused before any request, saying %q", h.name, v, err, want)
			}
		}
		if h.name == "a directory" {
			continue
		}
		// As an SSL_CERT_DIR entry: not a directory.
		_, err := loadRootsQuickly(t, envOf(EnvCertDir, h.path))
		want := EnvCertDir + "=" + h.path + " cannot be used (not a directory: "
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s as %s: %v; want %q", h.name, EnvCertDir, err, want)
		}
	}
	if c := f.ppm.Counts(); c.Exchange != 0 {
		t.Errorf("requests were sent despite bad certificate settings: %+v", c)
	}
}

// TestCertDirSkipsWhatIsNotAFile: in an SSL_CERT_DIR, a named pipe, a
// link to /dev/zero and a huge sparse file are skipped, as OpenSSL skips
// what is not a certificate; the certificates beside them are used.
func TestCertDirSkipsWhatIsNotAFile(t *testing.T) {
	f := newTLSFake(t)
	dir := t.TempDir()
	for _, h := range hostilePaths(t) {
		if h.name != "a directory" {
			must(t, os.Symlink(h.path, filepath.Join(dir, strings.ReplaceAll(h.name, "/", "_"))))
		}
	}
	_, err := loadRootsQuickly(t, envOf(EnvCertDir, dir))
	if want := "cannot be used (no PEM certificate in its files)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a directory of hostile files only: %v; want %q", err, want)
	}
	must(t, os.WriteFile(filepath.Join(dir, "corp.pem"), f.ca.PEM, 0o600))
	r, err := loadRootsQuickly(t, envOf(EnvCertDir, dir))
	if err != nil || len(r.Added) != 1 || r.Added[0].Certs != 1 {
		t.Fatalf("the certificate beside hostile files: %+v, %v; want it added", r.Added, err)
	}
	if err := f.exchange(envOf(EnvCertDir, dir)); err != nil {
		t.Errorf("an exchange trusting it: %v", err)
	}
}
