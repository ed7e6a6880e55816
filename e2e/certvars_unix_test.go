//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A certificate variable naming something that is not a certificate file
// — /dev/zero, a named pipe, a directory, a huge sparse file — is one line
// naming the variable and the path, and status 1, with nothing read: Go's
// own loader would read /dev/zero until the kernel kills the process, and
// hang on a named pipe.
func TestHostileCertificateVariables(t *testing.T) {
	t.Parallel()
	w, _, _, caDir := tlsWorld(t, "127.0.0.1")
	req := gitRequest("https", hostOf(w.ppm.URL()), "")
	fifo := filepath.Join(w.home, "pipe.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(caDir, "pipe.0"), 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(w.home, "huge.pem")
	if err := os.WriteFile(sparse, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 64<<30); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ variable, path, problem string }{
		{"SSL_CERT_FILE", "/dev/zero", "not a regular file: a character device"},
		{"SSL_CERT_FILE", fifo, "not a regular file: a named pipe"},
		{"REQUESTS_CA_BUNDLE", w.home, "not a regular file: a directory"},
		{"SSL_CERT_FILE", sparse, "over 16 MiB"},
		{"SSL_CERT_DIR", fifo, "not a directory: a named pipe"},
	} {
		w.set(c.variable, c.path)
		r := w.run(req, "get")
		line := c.variable + "=" + c.path + " cannot be used (" + c.problem + ")"
		if r.code != 1 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, line) {
			t.Errorf("%s=%s: code %d stdout %q stderr %q; want status 1 and one line saying %q", c.variable, c.path, r.code, r.stdout, r.stderr, line)
		}
		w.set(c.variable, "")
	}
	// A named pipe inside SSL_CERT_DIR is skipped; the CA beside it works.
	w.set("SSL_CERT_DIR", caDir)
	if r := w.run(req, "get"); r.code != 0 || !w.ppm.ValidToken(attr(r.stdout, "password")) {
		t.Errorf("SSL_CERT_DIR with a named pipe beside the CA: code %d stderr %q; want a token", r.code, r.stderr)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 {
		t.Errorf("exchanges: %+v; want only the last get's", c)
	}
	w.assertNoSecretsLeaked()
}
