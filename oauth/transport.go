package oauth

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/posit-dev/git-credential-ppm/internal/httpc"
)

// Variables naming extra certificate authorities (a private CA, a
// TLS-inspecting proxy). Their certificates are added to the system's
// roots, never replacing them.
const (
	EnvCertFile       = "SSL_CERT_FILE"
	EnvCertDir        = "SSL_CERT_DIR"
	EnvRequestsBundle = "REQUESTS_CA_BUNDLE"
)

// maxCertFile bounds one certificate file read (a full distribution bundle
// is about 200 KiB).
const maxCertFile = 16 << 20

// NewHTTPClientEnv is NewHTTPClient reading its settings through getenv:
// certificate authorities named by SSL_CERT_FILE, SSL_CERT_DIR and
// REQUESTS_CA_BUNDLE are added to the system's roots; proxies come from
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Go's net/http reads them.
// Nothing is read until the first request: a command answered from the
// store pays nothing for it.
func NewHTTPClientEnv(getenv func(string) string) *httpc.Client {
	return NewHTTPClientTraced(getenv, nil)
}

// NewHTTPClientTraced is NewHTTPClientEnv that also reports, through trace
// when it is not nil, the certificate authorities trusted (once), the
// proxy that carries each request, if any, and each request's method,
// URL (no query) and status.
func NewHTTPClientTraced(getenv func(string) string, trace func(format string, args ...any)) *httpc.Client {
	roots := sync.OnceValues(func() (*x509.CertPool, error) {
		r, err := LoadRoots(getenv)
		if trace != nil && err == nil {
			trace("TLS: trusting %s", r.Describe())
		}
		return r.Pool, err
	})
	return &httpc.Client{
		Timeout:       requestTimeout,
		Getenv:        getenv,
		RootCAs:       roots,
		CheckRedirect: sameOriginRedirects,
		Trace:         trace,
	}
}

// Roots are the certificate authorities TLS connections trust.
type Roots struct {
	// Pool is nil when no extra authority is configured: the system's
	// roots, as Go finds them. Otherwise it is the system's roots with the
	// extra ones added.
	Pool *x509.CertPool
	// Added lists where extra authorities came from.
	Added []RootSource
}

// RootSource is one variable's contribution to Roots.
type RootSource struct {
	Variable string // e.g. REQUESTS_CA_BUNDLE
	Path     string // the file or directory it names
	Certs    int    // certificates read from it
}

// Describe says, in a phrase, which roots are trusted.
func (r Roots) Describe() string {
	if len(r.Added) == 0 {
		return "the system's certificate authorities"
	}
	parts := make([]string, 0, len(r.Added))
	for _, a := range r.Added {
		noun := "certificates"
		if a.Certs == 1 {
			noun = "certificate"
		}
		parts = append(parts, fmt.Sprintf("%d %s from %s=%s", a.Certs, noun, a.Variable, a.Path))
	}
	return "the system's certificate authorities and " + strings.Join(parts, ", ")
}

// CAError is a certificate variable that cannot be used: a missing or
// unreadable file, or one without any PEM certificate.
type CAError struct {
	Variable, Path string
	Problem        string
}

func (e *CAError) Error() string {
	return fmt.Sprintf("the certificate authorities in %s=%s cannot be used (%s); point it at a PEM file (or, for %s, a directory) of your organisation's certificate authority, or unset it", e.Variable, e.Path, e.Problem, EnvCertDir)
}

// LoadRoots reads SSL_CERT_FILE, SSL_CERT_DIR (a list, like PATH) and
// REQUESTS_CA_BUNDLE through getenv and adds their certificates to the
// system's roots. With none of them set it reads nothing and Pool is nil.
func LoadRoots(getenv func(string) string) (Roots, error) {
	type source struct {
		RootSource
		read func(string) ([]*x509.Certificate, error)
	}
	var sources []source
	for _, v := range []string{EnvRequestsBundle, EnvCertFile} {
		if p := strings.TrimSpace(getenv(v)); p != "" {
			sources = append(sources, source{RootSource{Variable: v, Path: p}, readCertFile})
		}
	}
	for _, d := range filepath.SplitList(getenv(EnvCertDir)) {
		if d = strings.TrimSpace(d); d != "" {
			sources = append(sources, source{RootSource{Variable: EnvCertDir, Path: d}, readCertDir})
		}
	}
	if len(sources) == 0 {
		return Roots{}, nil
	}
	r := Roots{Pool: systemRoots()}
	for _, src := range sources {
		certs, err := src.read(src.Path)
		if err != nil {
			return Roots{}, &CAError{Variable: src.Variable, Path: src.Path, Problem: err.Error()}
		}
		addCerts(r.Pool, certs)
		src.Certs = len(certs)
		r.Added = append(r.Added, src.RootSource)
	}
	return r, nil
}

// readCertFile reads the PEM certificates of a regular file.
func readCertFile(path string) ([]*x509.Certificate, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fileProblem(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileProblem(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCertFile+1))
	if err != nil {
		return nil, fileProblem(err)
	}
	if len(b) > maxCertFile {
		return nil, errors.New("over 16 MiB")
	}
	certs := parsePEMCerts(b)
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate in it")
	}
	return certs, nil
}

// readCertDir reads the PEM certificates of every regular file in a
// directory (as OpenSSL's hashed directories hold them); files that are not
// certificates are skipped, as OpenSSL does.
func readCertDir(dir string) ([]*x509.Certificate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fileProblem(err)
	}
	var all []*x509.Certificate
	for _, e := range entries {
		if certs, err := readCertFile(filepath.Join(dir, e.Name())); err == nil {
			all = append(all, certs...)
		}
	}
	if len(all) == 0 {
		return nil, errors.New("no PEM certificate in its files")
	}
	return all, nil
}

func addCerts(pool *x509.CertPool, certs []*x509.Certificate) {
	for _, c := range certs {
		pool.AddCert(c)
	}
}

func parsePEMCerts(b []byte) []*x509.Certificate {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return certs
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
}

func fileProblem(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("no such file or directory")
	case errors.Is(err, os.ErrPermission):
		return errors.New("permission denied")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ProxyFor reports the proxy that carries requests to address (nil when
// they go direct), as the client decides it from HTTPS_PROXY, HTTP_PROXY
// and NO_PROXY read through getenv. The proxy URL's password, if any, is
// removed.
func ProxyFor(getenv func(string) string, address string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the address %q is not a URL", redactedAddress(address))
	}
	p, err := httpc.ProxyFor(getenv, u)
	if err != nil {
		return nil, err
	}
	if p != nil && p.User != nil {
		p.User = url.User(p.User.Username())
	}
	return p, nil
}
