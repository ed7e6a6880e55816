package oauth

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/filekind"
)

// Variables naming extra certificate authorities (a private CA, a
// TLS-inspecting proxy). Their certificates are added to the system's
// roots, never replacing them.
const (
	EnvCertFile       = "SSL_CERT_FILE"
	EnvCertDir        = "SSL_CERT_DIR"
	EnvRequestsBundle = "REQUESTS_CA_BUNDLE"
)

// maxCertFile bounds one certificate file (a full distribution bundle is
// about 200 KiB).
const maxCertFile = 16 << 20

// certReadTimeout bounds reading one certificate file or directory: one on
// a network mount that stopped answering must not hold the helper.
const certReadTimeout = time.Second

// Roots are the certificate authorities TLS connections trust.
type Roots struct {
	// Pool is the system's roots with the extra ones added; TLS
	// connections use it as their RootCAs (never nil, so that Go's own
	// loader never reads the variables unchecked).
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
// unreadable file, something other than a regular file (a device, a named
// pipe), one over 16 MiB, or one without any PEM certificate.
type CAError struct {
	Variable, Path string
	Problem        string
}

func (e *CAError) Error() string {
	return fmt.Sprintf("the certificate authorities in %s=%s cannot be used (%s); point it at a PEM file (or, for %s, a directory) of your organisation's certificate authority, or unset it", e.Variable, e.Path, e.Problem, EnvCertDir)
}

// LoadRoots reads SSL_CERT_FILE, SSL_CERT_DIR (a list, like PATH) and
// REQUESTS_CA_BUNDLE through getenv and adds their certificates to the
// system's roots. Each path is checked before anything reads it — a
// regular file (or, for SSL_CERT_DIR, a directory of them) of at most
// 16 MiB, read within a second — and the first one that fails is a
// *CAError; only then are the system's roots loaded (systemRoots).
func LoadRoots(getenv func(string) string) (Roots, error) {
	type source struct {
		RootSource
		read  func(string) ([]*x509.Certificate, error)
		certs []*x509.Certificate
	}
	var sources []source
	for _, v := range []string{EnvRequestsBundle, EnvCertFile} {
		if p := strings.TrimSpace(getenv(v)); p != "" {
			sources = append(sources, source{RootSource: RootSource{Variable: v, Path: p}, read: readCertFile})
		}
	}
	for _, d := range filepath.SplitList(getenv(EnvCertDir)) {
		if d = strings.TrimSpace(d); d != "" {
			sources = append(sources, source{RootSource: RootSource{Variable: EnvCertDir, Path: d}, read: readCertDir})
		}
	}
	for i := range sources {
		src := &sources[i]
		certs, err := src.read(src.Path)
		if err != nil {
			return Roots{}, &CAError{Variable: src.Variable, Path: src.Path, Problem: err.Error()}
		}
		src.certs, src.Certs = certs, len(certs)
	}
	r := Roots{Pool: systemRoots()}
	for _, src := range sources {
		addCerts(r.Pool, src.certs)
		r.Added = append(r.Added, src.RootSource)
	}
	return r, nil
}

// readCertFile reads the PEM certificates of a regular file.
func readCertFile(path string) ([]*x509.Certificate, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	certs := parsePEMCerts(b)
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate in it")
	}
	return certs, nil
}

// readCertDir reads the PEM certificates of every regular file in a
// directory (as OpenSSL's hashed directories hold them); files that are
// not certificates, and anything but regular files, are skipped, as
// OpenSSL does.
func readCertDir(dir string) ([]*x509.Certificate, error) {
	var entries []fs.DirEntry
	err := within(certReadTimeout, func() error {
		f, err := openNoBlock(dir) // a named pipe would hold open()
		if err != nil {
			return fileProblem(err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return fileProblem(err)
		}
		if !fi.IsDir() {
			return errors.New("not a directory: " + filekind.Of(fi.Mode()))
		}
		entries, err = f.ReadDir(-1)
		return err
	})
	if err != nil {
		return nil, err
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

// readBounded reads a regular file of at most maxCertFile bytes within
// certReadTimeout. It opens without blocking and looks at what it opened
// before reading: /dev/zero, a named pipe, a directory or a file over
// 16 MiB (a sparse one too) is refused without reading a byte.
func readBounded(path string) ([]byte, error) {
	var b []byte
	err := within(certReadTimeout, func() error {
		f, err := openNoBlock(path)
		if err != nil {
			return fileProblem(err)
		}
		defer f.Close()
		fi, err := f.Stat()
		switch {
		case err != nil:
			return fileProblem(err)
		case !fi.Mode().IsRegular():
			return errors.New("not a regular file: " + filekind.Of(fi.Mode()))
		case fi.Size() > maxCertFile:
			return errors.New("over 16 MiB")
		}
		b, err = io.ReadAll(io.LimitReader(f, maxCertFile+1))
		if err != nil {
			return fileProblem(err)
		}
		if len(b) > maxCertFile {
			return errors.New("over 16 MiB") // it grew while read
		}
		return nil
	})
	return b, err
}

// within runs fn, giving up on it after d: a read from a hung network
// mount cannot be interrupted, but the helper need not wait for it.
func within(d time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("could not be read within %s", d)
	}
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
