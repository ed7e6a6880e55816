package oauth

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/posit-dev/git-credential-ppm/internal/httpc"
)

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
