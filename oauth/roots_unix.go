//go:build unix && !darwin

package oauth

import (
	"crypto/x509"
	"os"
	"sync"
)

// distroBundles are the places Linux distributions and the BSDs keep their
// certificate bundle; the first one present is the system's roots.
var distroBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo, Arch
	"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL 6
	"/etc/ssl/ca-bundle.pem",                            // openSUSE
	"/etc/pki/tls/cacert.pem",                           // OpenELEC
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7+
	"/etc/ssl/cert.pem",                                 // Alpine, OpenBSD
	"/usr/local/etc/ssl/cert.pem",                       // FreeBSD
	"/usr/local/share/certs/ca-root-nss.crt",            // DragonFly
	"/etc/openssl/certs/ca-certificates.crt",            // NetBSD
}

// distroDirs hold one certificate per file where no bundle exists.
var distroDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}

// systemRoots returns a copy of the system's roots to add to. Go's own
// loader (x509.SystemCertPool, and crypto/tls when RootCAs is nil) reads
// SSL_CERT_FILE and every file of SSL_CERT_DIR from the PROCESS environment
// with os.ReadFile — /dev/zero there eats all memory, a named pipe hangs —
// and REPLACES the distribution's bundle with them. So when either is set
// in the process environment (read here, not through the injected getenv,
// because that is what Go's loader reads), Go's loader is never called:
// the distribution's bundle is read with the same checks as the variables
// (readCertFile), once per process as Go reads its own, and LoadRoots adds
// the variables' certificates to a copy.
func systemRoots() *x509.CertPool {
	if os.Getenv(EnvCertFile) == "" && os.Getenv(EnvCertDir) == "" {
		if pool, err := x509.SystemCertPool(); err == nil && pool != nil {
			return pool
		}
		return x509.NewCertPool()
	}
	return distroRoots().Clone()
}

// distroRoots reads the distribution's roots, once.
var distroRoots = sync.OnceValue(func() *x509.CertPool {
	pool := x509.NewCertPool()
	for _, f := range distroBundles {
		if certs, err := readCertFile(f); err == nil {
			addCerts(pool, certs)
			return pool
		}
	}
	for _, d := range distroDirs { // no bundle: one certificate per file
		if certs, err := readCertDir(d); err == nil {
			addCerts(pool, certs)
		}
	}
	return pool
})
