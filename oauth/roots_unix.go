//go:build unix && !darwin

package oauth

import (
	"crypto/x509"
	"os"
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

// systemRoots returns a copy of the system's roots to add to. Here Go's own
// pool honours SSL_CERT_FILE and SSL_CERT_DIR by REPLACING the distribution
// bundle with them; when either is set in the process environment, the
// distribution's bundle is read back in, so a private CA is added to the
// system's roots rather than becoming the only one.
func systemRoots() *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if os.Getenv(EnvCertFile) == "" && os.Getenv(EnvCertDir) == "" {
		return pool
	}
	for _, f := range distroBundles {
		if certs, err := readCertFile(f); err == nil {
			addCerts(pool, certs)
			return pool
		}
	}
	for _, d := range distroDirs {
		if certs, err := readCertDir(d); err == nil {
			addCerts(pool, certs)
		}
	}
	return pool
}
