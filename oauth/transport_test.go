package oauth

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// tlsFake is the fake Package Manager over https with a certificate from a
// throwaway CA, and that CA's PEM in a file and in a directory.
type tlsFake struct {
	ppm      *fakeppm.Server
	ca       *fakeppm.CA
	caFile   string
	caDir    string
	junkFile string
}

func newTLSFake(t *testing.T) *tlsFake {
	t.Helper()
	ca, err := fakeppm.NewCA("127.0.0.1", "localhost", "ppm.test")
	if err != nil {
		t.Fatal(err)
	}
	ppm := fakeppm.New(fakeppm.Options{TLSCert: &ca.Server})
	t.Cleanup(ppm.Close)
	dir := t.TempDir()
	f := &tlsFake{ppm: ppm, ca: ca, caFile: filepath.Join(dir, "corp-ca.pem"), caDir: filepath.Join(dir, "certs"), junkFile: filepath.Join(dir, "junk.pem")}
	must(t, os.WriteFile(f.caFile, ca.PEM, 0o600))
	must(t, os.Mkdir(f.caDir, 0o700))
	must(t, os.WriteFile(filepath.Join(f.caDir, "README"), []byte("not a certificate\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(f.caDir, "5ad8a5d6.0"), ca.PEM, 0o600))
	must(t, os.WriteFile(f.junkFile, []byte("-----BEGIN NOTHING-----\n"), 0o600))
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// exchange runs a real token exchange against the fake over TLS.
func (f *tlsFake) exchange(getenv func(string) string) error {
	c := &Client{BaseURL: f.ppm.URL(), HTTP: NewHTTPClientEnv(getenv)}
	tok, err := c.Exchange(context.Background(), f.ppm.IssueIdentityToken("corp-user"))
	if err == nil && !f.ppm.ValidToken(tok.AccessToken) {
		return os.ErrInvalid
	}
	return err
}

func TestExtraCertificateAuthorities(t *testing.T) {
	f := newTLSFake(t)
	list := string(filepath.ListSeparator)
	works := map[string]func(string) string{
		"SSL_CERT_FILE":                         envOf(EnvCertFile, f.caFile),
		"REQUESTS_CA_BUNDLE":                    envOf(EnvRequestsBundle, f.caFile),
		"SSL_CERT_DIR":                          envOf(EnvCertDir, f.caDir),
		"SSL_CERT_DIR list with an empty entry": envOf(EnvCertDir, list+f.caDir),
	}
	for name, env := range works {
		if err := f.exchange(env); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// No CA given: one line that names the three variables.
	err := f.exchange(envOf())
	if err == nil {
		t.Fatal("a certificate from a throwaway CA was trusted with no CA configured")
	}
	msg := err.Error()
	for _, want := range []string{"could not verify the TLS certificate of " + f.ppm.URL(), EnvCertFile, EnvRequestsBundle, EnvCertDir} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
}

func TestBadCertificateSettingsAreOneLine(t *testing.T) {
	f := newTLSFake(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	cases := []struct {
		name string
		env  func(string) string
		say  string
	}{
		{"missing file", envOf(EnvCertFile, missing), "SSL_CERT_FILE=" + missing + " cannot be used (no such file or directory)"},
		{"no PEM in the file", envOf(EnvRequestsBundle, f.junkFile), "REQUESTS_CA_BUNDLE=" + f.junkFile + " cannot be used (no PEM certificate in it)"},
		{"a directory as the file", envOf(EnvCertFile, f.caDir), "cannot be used (not a regular file: a directory)"},
		{"missing directory", envOf(EnvCertDir, missing), "SSL_CERT_DIR=" + missing + " cannot be used (no such file or directory)"},
		{"directory without certificates", envOf(EnvCertDir, t.TempDir()), "cannot be used (no PEM certificate in its files)"},
	}
	for _, c := range cases {
		err := f.exchange(c.env)
		if err == nil || !strings.Contains(err.Error(), c.say) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line saying %q", c.name, err, c.say)
		}
	}
	if c := f.ppm.Counts(); c.Exchange != 0 {
		t.Errorf("requests were sent despite bad certificate settings: %+v", c)
	}
}

// Nothing is read, not even the environment, until the first request: a
// get answered from the store pays nothing for the certificate settings.
func TestHTTPClientIsLazy(t *testing.T) {
	var reads atomic.Int32
	hc := NewHTTPClientEnv(func(string) string { reads.Add(1); return "" })
	if hc == nil || reads.Load() != 0 {
		t.Fatalf("building the client read %d variables; want none", reads.Load())
	}
	f := newTLSFake(t)
	c := &Client{BaseURL: f.ppm.URL(), HTTP: hc}
	_, _ = c.Exchange(context.Background(), "x")
	if reads.Load() == 0 {
		t.Fatal("the first request did not read the certificate settings")
	}
}

// On Linux Go's own pool honours SSL_CERT_FILE and SSL_CERT_DIR by
// replacing the distribution's bundle, and reads them with os.ReadFile: a
// named pipe in SSL_CERT_DIR hangs it, SSL_CERT_FILE=/dev/zero eats all
// memory. With them set in the process environment (as a person sets them),
// LoadRoots' pool still trusts the distribution's roots and the added CA,
// and Go's loader never runs; a hostile SSL_CERT_FILE is one error. Go
// caches its pool per process, so this runs in child processes with that
// environment.
func TestSystemRootsStayWithSSLCertFile(t *testing.T) {
	switch os.Getenv("OAUTH_ROOTS_CHILD") {
	case "1":
		rootsChild(t)
		return
	case "hostile":
		_, err := loadRootsQuickly(t, os.Getenv)
		var ca *CAError
		if !errors.As(err, &ca) || ca.Variable != EnvCertFile || ca.Path != "/dev/zero" {
			t.Fatalf("SSL_CERT_FILE=/dev/zero in the environment: %v; want a *CAError naming it", err)
		}
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("SKIPPING: Go replaces the system roots with SSL_CERT_FILE only on Linux and the BSDs")
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no /etc/ssl/certs/ca-certificates.crt; CI must install ca-certificates")
		}
		t.Skip("SKIPPING: no distribution certificate bundle here")
	}
	f := newTLSFake(t)
	must(t, mkfifo(filepath.Join(f.caDir, "pipe.0"))) // Go's loader would hang on it
	for _, env := range [][]string{
		{"OAUTH_ROOTS_CHILD=1", EnvCertFile + "=" + f.caFile},
		{"OAUTH_ROOTS_CHILD=1", EnvCertFile + "=" + f.caFile, EnvCertDir + "=" + f.caDir},
		{"OAUTH_ROOTS_CHILD=1", EnvCertDir + "=" + f.caDir},
		{"OAUTH_ROOTS_CHILD=hostile", EnvCertFile + "=/dev/zero", EnvCertDir + "=" + f.caDir},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSystemRootsStayWithSSLCertFile$", "-test.v")
		cmd.Env = append(append(environWithout(EnvCertFile, EnvCertDir, EnvRequestsBundle), "OAUTH_ROOTS_URL="+f.ppm.URL()), env...)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("child with %v: %v\n%s", env, err, out)
		}
		t.Logf("child with %v:\n%s", env, out)
	}
}

func rootsChild(t *testing.T) {
	b, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	must(t, err)
	var distro *x509.Certificate
	for _, c := range parsePEMCerts(b) {
		alone := x509.NewCertPool()
		alone.AddCert(c)
		if _, err := c.Verify(x509.VerifyOptions{Roots: alone}); err == nil {
			distro = c
			break
		}
	}
	if distro == nil {
		t.Fatal("no usable root in the distribution bundle")
	}
	roots, err := loadRootsQuickly(t, os.Getenv)
	must(t, err)
	if _, err := distro.Verify(x509.VerifyOptions{Roots: roots.Pool}); err != nil {
		t.Fatalf("with SSL_CERT_FILE set the distribution's root %q is no longer trusted: %v", distro.Subject.CommonName, err)
	}
	if !strings.Contains(roots.Describe(), "1 certificate from SSL_CERT_") {
		t.Errorf("Describe = %q", roots.Describe())
	}
	// And the added CA works for a real request.
	c := &Client{BaseURL: os.Getenv("OAUTH_ROOTS_URL"), HTTP: NewHTTPClient()}
	_, err = c.Exchange(context.Background(), "not-a-token")
	var se *ServerError
	if err == nil || !errors.As(err, &se) {
		t.Fatalf("the request over TLS with SSL_CERT_FILE did not reach the server: %v", err)
	}
}

// environWithout is this process's environment without the named
// variables (the machine running the tests may set them itself).
func environWithout(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) {
			out = append(out, kv)
		}
	}
	return out
}
