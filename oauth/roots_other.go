//go:build !unix || darwin

package oauth

import "crypto/x509"

// systemRoots returns the system's roots to add to. On macOS and Windows
// Go verifies with the OS's own verifier and ignores SSL_CERT_FILE and
// SSL_CERT_DIR; certificates added to this pool are trusted besides the
// OS's.
func systemRoots() *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		return x509.NewCertPool()
	}
	return pool
}
