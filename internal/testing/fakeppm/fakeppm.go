// Package fakeppm is a test server that plays Posit Package Manager as the
// public clients see it (docs/contract.md §4), including its unfriendly parts: the device
// flow with PKCE answers authorization_pending, slow_down (and grows the
// interval), access_denied and expired_token, and an approval carries an
// id_token only; the RFC 8693 exchange issues HS256 JWTs; the repositories
// take HTTP Basic `__token__:<token>` and answer 401 otherwise. The
// repositories are real enough for real clients: a PEP 503 index serving one
// pure-Python wheel that pip installs, a twine upload endpoint, a git
// smart-HTTP repository served by git's own http-backend, and CRAN-like
// repositories (an authenticated one and a public one) with a source
// package each that R installs.
//
// Endpoints (base = URL()):
//
//	POST /__api__/device            code_challenge_method=S256, code_challenge
//	POST /__api__/device_access     device_code, code_verifier
//	POST /__api__/token             RFC 8693 exchange of an identity token
//	GET  /__github__/token          GitHub Actions' OIDC token request URL (see GitHubRequestURL)
//	POST /__azure__/oidctoken       Azure Pipelines' System.OidcRequestUri (see AzureOidcRequestURI)
//	GET  /__login__/device          verification page; ?user_code=X approves X
//	GET  /__login__/device/deny     ?user_code=X denies X
//	/pypi/latest/simple/            PEP 503 index (Basic __token__); also /pypi-auth/…
//	/pypi/latest/files/<wheel>      the wheel (Basic __token__); also /pypi-auth/…
//	POST /upload/pypi/local-python-src  twine upload (Basic __token__)
//	/git/demo.git                   git smart HTTP (Basic __token__)
//	/restricted/…                   a repository no token may read: 401 without a
//	                                valid token, 403 with one
//	/cran-auth/latest/src/contrib/  CRAN-like repository: PACKAGES(.gz, .rds), ppmdemo_1.0.0.tar.gz (Basic __token__)
//	/cran/latest/src/contrib/       public CRAN-like repository: ppmpublic_1.0.0.tar.gz (no credentials)
//
// It listens on loopback only and is safe for concurrent use by many
// clients at once.
package fakeppm

import (
	"cmp"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"
)

// Options configure a fake server. The zero value is a usable fake.
type Options struct {
	// TokenLifetime is the lifetime of issued PPM tokens (exp = iat + it):
	// 0 means 1 h; negative means tokens carry no exp claim and never expire.
	TokenLifetime time.Duration
	// Interval is the device-flow polling interval announced and enforced.
	// It is rounded up to whole seconds, at least 1 s; 0 means 1 s.
	Interval time.Duration
	// DeviceExpiresIn is the lifetime of a device code; 0 means 300 s.
	DeviceExpiresIn time.Duration
	// AutoApprove approves every device code as soon as it is issued, as if
	// a person had clicked Approve at once.
	AutoApprove bool
	// OmitInterval leaves "interval" out of /__api__/device answers (clients
	// must then assume 5 s); the server still enforces Interval.
	OmitInterval bool
	// DeviceAccessOutage answers the first N polls of /__api__/device_access
	// with 502 Bad Gateway and an HTML page, before any check: a proxy in
	// front of Package Manager failing while the person approves.
	DeviceAccessOutage int
	// OmitExpiresIn leaves "expires_in" out of /__api__/device answers
	// (clients must then assume 300 s); the server still enforces DeviceExpiresIn.
	OmitExpiresIn bool
	// Addr is the address to listen on; "" means 127.0.0.1 on a random port.
	// It must be a loopback address.
	Addr string
	// Now is the server's clock; nil means time.Now. Tests inject a clock
	// to walk through expiry and polling intervals without sleeping, or
	// skew it: the tokens' iat and exp and every answer's Date header
	// come from it.
	Now func() time.Time
	// IdentityAudience is the audience the exchange requires of identity
	// tokens, as PPM's IdentityFederation Audience; "" means
	// "packagemanager". IssueIdentityToken issues tokens for it.
	IdentityAudience string
	// TLSCert, when set, makes the server speak https with this certificate
	// (see NewCA); URL() is then https://127.0.0.1:PORT.
	TLSCert *tls.Certificate
	// Logf, when set, receives one line per request. It never sees a token.
	Logf func(format string, args ...any)
	// OnCRANFile, when set, is called before a CRAN-like repository sends a
	// package tarball (repo is CRANAuthPath or CRANPublicPath), on the
	// request's goroutine: a test blocks in it to look at the client while
	// the download is in flight.
	OnCRANFile func(repo, name string)
}

// Counts are the server's request counters, for tests to assert on.
type Counts struct {
	// Device counts POSTs to /__api__/device, accepted or not.
	Device int
	// DeviceAccess counts POSTs to /__api__/device_access, whatever the answer.
	DeviceAccess int
	// Exchange counts POSTs to /__api__/token, successful or failed.
	Exchange int
	// SlowDown counts slow_down answers.
	SlowDown int
	// Repo counts requests to repository paths (index, files, upload, git),
	// authenticated or not.
	Repo int
	// Unauthorized counts 401 answers from repository paths.
	Unauthorized int
	// Upload counts accepted uploads.
	Upload int
	// Approved and Denied count device codes a person approved or denied
	// (auto-approvals included).
	Approved, Denied int
	// GitHubToken counts requests to the GitHub Actions stand-in.
	GitHubToken int
	// Public counts requests to the public CRAN-like repository, and
	// PublicWithAuthorization those of them that carried an Authorization
	// header (credentials sent where none are needed).
	Public, PublicWithAuthorization int
}

// Device-code states.
const (
	statePending  = "pending"
	stateApproved = "approved"
	stateDenied   = "denied"
	stateUsed     = "used"
)

type device struct {
	challenge string
	userCode  string
	interval  time.Duration
	expires   time.Time
	lastPoll  time.Time
	state     string
	subject   string
}

// Server is a running fake Package Manager. Create it with New and stop it
// with Close.
type Server struct {
	opts    Options
	now     func() time.Time
	srv     *httptest.Server
	ppmKey  []byte // signs PPM tokens (HS256)
	idpKey  []byte // signs identity tokens (HS256), the fake's "IdP"
	ghToken string // the GitHub Actions stand-in's request token
	azToken string // the Azure Pipelines stand-in's System.AccessToken
	tmp     string
	git     string // path of the git binary; "" when gitErr is set
	gitRoot string
	gitErr  error
	wheel   wheel
	close   sync.Once

	cranAuth, cranPublic *cranRepo

	mu       sync.Mutex
	counts   Counts
	devices  map[string]*device // by device code
	byUser   map[string]string  // user code → device code
	serial   int                // PPM tokens issued so far
	live     []string           // jti of tokens issued since the last RevokeAll
	revoked  map[string]bool    // jti of revoked tokens
	uploads  []string
	secrets  []string        // every secret handed out or received, see Secrets
	ghIssue  []ghIssue       // what the GitHub stand-in issued
	repoLeft []time.Duration // see RepoTokensLeft
}

// New starts a fake Package Manager on loopback, for tests: it panics
// where Start returns an error. A missing git binary does not stop it: the
// git repository then answers 503 (see GitError).
func New(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic("fakeppm: " + err.Error())
	}
	return s
}

// Start is New returning an error, for programs: it fails when it cannot
// listen on opts.Addr (or it is not loopback) or create its temporary
// directory.
func Start(opts Options) (*Server, error) {
	opts.Interval = wholeSeconds(opts.Interval, time.Second)
	if opts.DeviceExpiresIn <= 0 {
		opts.DeviceExpiresIn = 300 * time.Second
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = time.Hour
	}
	s := &Server{
		opts:       opts,
		now:        opts.Now,
		ppmKey:     randomBytes(32),
		idpKey:     randomBytes(32),
		ghToken:    hex.EncodeToString(randomBytes(24)),
		azToken:    hex.EncodeToString(randomBytes(24)),
		devices:    map[string]*device{},
		byUser:     map[string]string{},
		revoked:    map[string]bool{},
		wheel:      buildWheel(),
		cranAuth:   newCRANRepo(buildRPackage("ppmdemo", "Served by the fake Package Manager.")),
		cranPublic: newCRANRepo(buildRPackage("ppmpublic", "Served by a public repository.")),
	}
	if s.now == nil {
		s.now = time.Now
	}
	l, err := listenLoopback(cmp.Or(opts.Addr, "127.0.0.1:0"))
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "fakeppm-")
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("creating a temporary directory: %w", err)
	}
	s.tmp = tmp
	s.gitErr = s.initGit()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /__api__/device", s.handleDevice)
	mux.HandleFunc("POST /__api__/device_access", s.handleDeviceAccess)
	mux.HandleFunc("POST /__api__/token", s.handleToken)
	mux.HandleFunc("GET /__github__/token", s.handleGitHubToken)
	mux.HandleFunc("POST /__azure__/oidctoken", s.handleAzureToken)
	mux.HandleFunc("GET /__login__/device", s.handleVerify)
	mux.HandleFunc("GET /__login__/device/deny", s.handleDeny)
	for _, repo := range pythonRepos {
		mux.HandleFunc("/"+repo+"/latest/simple/", s.authed(s.handleIndex))
		mux.HandleFunc("/"+repo+"/latest/files/", s.authed(s.handleFile))
	}
	mux.HandleFunc("/upload/pypi/local-python-src", s.authed(s.handleUpload))
	mux.HandleFunc("/git/", s.authed(s.handleGit))
	mux.HandleFunc("/restricted/", s.authed(s.handleForbidden))
	mux.HandleFunc(CRANAuthPath+"/", s.authed(s.handleCRAN(CRANAuthPath, s.cranAuth)))
	mux.HandleFunc(CRANPublicPath+"/", s.public(s.handleCRAN(CRANPublicPath, s.cranPublic)))
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: s.logged(mux)}}
	if opts.TLSCert != nil {
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*opts.TLSCert}}
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s, nil
}

// wholeSeconds rounds d up to whole seconds, at least 1 s; d <= 0 gives def.
func wholeSeconds(d, def time.Duration) time.Duration {
	if d <= 0 {
		d = def
	}
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return max(d, time.Second)
}

// listenLoopback listens on addr, refusing anything but a loopback address:
// the fake hands out tokens to whoever asks.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("the listen address %q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("the listen address %q is not a loopback address; use 127.0.0.1:PORT", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return l, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics on its own if the OS source breaks)
	return b
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234, without a
// trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and removes its temporary files. Calling it again
// does nothing.
func (s *Server) Close() {
	s.close.Do(func() {
		s.srv.Close()
		os.RemoveAll(s.tmp)
	})
}

// Counts returns a snapshot of the request counters.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// GitError reports why the git repository is unavailable (git not
// installed, say), or nil when it is served.
func (s *Server) GitError() error { return s.gitErr }

func (s *Server) count(f func(c *Counts)) {
	s.mu.Lock()
	f(&s.counts)
	s.mu.Unlock()
}
