// Package fakeppm is a test server that plays Posit Package Manager as the
// public clients see it (SPEC §4): the device flow with PKCE and its
// unfriendly answers (authorization_pending, slow_down, expired_token,
// access_denied, id_token-only approvals), the RFC 8693 token exchange
// issuing HS256 JWTs, and repositories behind HTTP Basic `__token__`: a PEP
// 503 index with one real wheel, a twine upload endpoint and a git
// smart-HTTP repository served by git's own http-backend.
package fakeppm

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"
)

// Options configure the fake.
type Options struct {
	// TokenLifetime of issued PPM tokens: 0 → 1 h; negative → no exp claim.
	TokenLifetime time.Duration
	// Interval announced for device-flow polling: 0 → 1 s (whole seconds, ≥ 1).
	Interval time.Duration
	// DeviceExpiresIn: 0 → 300 s.
	DeviceExpiresIn time.Duration
	// AutoApprove approves every device code as soon as it is issued.
	AutoApprove bool
	// OmitInterval and OmitExpiresIn leave those fields out of /__api__/device.
	OmitInterval, OmitExpiresIn bool
	// Addr is the listen address; "" → 127.0.0.1 on a random port.
	Addr string
	// Logf, when set, logs one line per request (never a token).
	Logf func(format string, args ...any)
}

// Counts are request counters, for tests to assert on.
type Counts struct {
	Device, DeviceAccess, Exchange, SlowDown, Repo, Unauthorized, Upload, Approved, Denied int
}

type device struct {
	challenge string
	userCode  string
	interval  time.Duration
	expires   time.Time
	lastPoll  time.Time
	state     string // pending, approved, denied, used
	subject   string
}

// Server is a running fake PPM.
type Server struct {
	opts    Options
	srv     *httptest.Server
	key     []byte // signs PPM tokens
	idpKey  []byte // signs identity tokens
	tmp     string
	gitRoot string
	wheel   wheel

	mu      sync.Mutex
	counts  Counts
	devices map[string]*device // by device code
	byUser  map[string]string  // user code → device code
	revoked time.Time          // tokens issued at or before this are rejected
	issued  int
	uploads []string
}

// New starts a fake PPM on 127.0.0.1 at a random port.
func New(opts Options) *Server {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Interval < time.Second {
		opts.Interval = time.Second
	}
	if opts.DeviceExpiresIn <= 0 {
		opts.DeviceExpiresIn = 300 * time.Second
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = time.Hour
	}
	s := &Server{opts: opts, key: randomBytes(32), idpKey: randomBytes(32), devices: map[string]*device{}, byUser: map[string]string{}}
	tmp, err := os.MkdirTemp("", "fakeppm-")
	if err != nil {
		panic(fmt.Sprintf("fakeppm: %v", err))
	}
	s.tmp = tmp
	s.wheel = buildWheel()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /__api__/device", s.handleDevice)
	mux.HandleFunc("POST /__api__/device_access", s.handleDeviceAccess)
	mux.HandleFunc("POST /__api__/token", s.handleToken)
	mux.HandleFunc("GET /__login__/device", s.handleVerify)
	mux.HandleFunc("GET /__login__/device/deny", s.handleDeny)
	mux.HandleFunc("/pypi/latest/simple/", s.authed(s.handleIndex))
	mux.HandleFunc("/pypi/latest/files/", s.authed(s.handleFile))
	mux.HandleFunc("POST /upload/pypi/local-python-src", s.authed(s.handleUpload))
	mux.HandleFunc("/git/", s.authed(s.handleGit))
	s.srv = httptest.NewUnstartedServer(s.logged(mux))
	if opts.Addr != "" {
		l, err := net.Listen("tcp", opts.Addr)
		if err != nil {
			os.RemoveAll(tmp)
			panic(fmt.Sprintf("fakeppm: listening on %s: %v", opts.Addr, err))
		}
		s.srv.Listener.Close()
		s.srv.Listener = l
	}
	s.srv.Start()
	if err := s.initGit(); err != nil {
		s.Close()
		panic(fmt.Sprintf("fakeppm: creating the git repository: %v", err))
	}
	return s
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// URL is the base URL, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and removes its temporary files.
func (s *Server) Close() {
	s.srv.Close()
	os.RemoveAll(s.tmp)
}

// Counts returns a snapshot of the counters.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// GitRepoURL is the smart-HTTP git repository's URL.
func (s *Server) GitRepoURL() string { return s.URL() + "/git/demo.git" }

// IndexURL is the PEP 503 simple index, with a trailing slash.
func (s *Server) IndexURL() string { return s.URL() + "/pypi/latest/simple/" }

// UploadURL is the twine upload endpoint.
func (s *Server) UploadURL() string { return s.URL() + "/upload/pypi/local-python-src" }

// Uploads returns the file names received by uploads.
func (s *Server) Uploads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.uploads...)
}

// WheelName is the project name the index serves; WheelFile its file name;
// WheelBytes the wheel itself.
func (s *Server) WheelName() string  { return s.wheel.project }
func (s *Server) WheelFile() string  { return s.wheel.filename }
func (s *Server) WheelBytes() []byte { return append([]byte(nil), s.wheel.data...) }

// ApproveURL is what opening the verification_uri_complete does: approve.
func (s *Server) ApproveURL(userCode string) string {
	return s.URL() + "/__login__/device?user_code=" + userCode
}

// DenyURL denies the login with userCode.
func (s *Server) DenyURL(userCode string) string {
	return s.URL() + "/__login__/device/deny?user_code=" + userCode
}

// Approve approves a pending device code as the person would.
func (s *Server) Approve(userCode string) error { return s.decide(userCode, "approved") }

// Deny denies a pending device code.
func (s *Server) Deny(userCode string) error { return s.decide(userCode, "denied") }

func (s *Server) decide(userCode, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dc, ok := s.byUser[strings.ToUpper(strings.TrimSpace(userCode))]
	if !ok {
		return errors.New("unknown user code")
	}
	d := s.devices[dc]
	if d.state != "pending" {
		return fmt.Errorf("the login is already %s", d.state)
	}
	d.state = state
	if state == "approved" {
		s.counts.Approved++
	} else {
		s.counts.Denied++
	}
	return nil
}

// RevokeAll makes every PPM token issued so far invalid (401 from then on).
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = time.Now()
}

// IssueIdentityToken returns an identity token (an HS256 JWT from the fake's
// identity provider) that the exchange accepts, valid for an hour.
func (s *Server) IssueIdentityToken(subject string) string {
	now := time.Now()
	return signJWT(s.idpKey, map[string]any{"iss": "fakeppm-idp", "aud": "packagemanager", "sub": subject, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
}

// ValidToken reports whether the repositories accept tok now.
func (s *Server) ValidToken(tok string) bool {
	_, err := s.checkPPMToken(tok)
	return err == nil
}

// --- JWTs ---

var b64 = base64.RawURLEncoding

func signJWT(key []byte, claims map[string]any) string {
	h := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	msg := h + "." + b64.EncodeToString(body)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return msg + "." + b64.EncodeToString(m.Sum(nil))
}

type claims struct {
	Sub string  `json:"sub"`
	Aud any     `json:"aud"`
	Iss string  `json:"iss"`
	Iat float64 `json:"iat"`
	Exp float64 `json:"exp"`
	Jti string  `json:"jti"`
}

func verifyJWT(key []byte, tok string) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, errors.New("not a JWT")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || subtle.ConstantTimeCompare(sig, m.Sum(nil)) != 1 {
		return claims{}, errors.New("bad signature")
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return claims{}, errors.New("bad payload")
	}
	var c claims
	if err := json.Unmarshal(body, &c); err != nil {
		return claims{}, errors.New("bad claims")
	}
	if c.Exp != 0 && time.Now().Unix() >= int64(c.Exp) {
		return claims{}, errors.New("expired")
	}
	return c, nil
}

func (s *Server) issuePPMToken(subject string) (string, time.Time) {
	now := time.Now()
	s.mu.Lock()
	s.issued++
	n := s.issued
	s.mu.Unlock()
	c := map[string]any{"aud": "packagemanager", "iss": "packagemanager", "sub": subject, "iat": now.Unix(), "jti": fmt.Sprintf("t%d-%s", n, hex.EncodeToString(randomBytes(4))), "fake_issued_ns": now.UnixNano()}
	var exp time.Time
	if s.opts.TokenLifetime > 0 {
		exp = now.Add(s.opts.TokenLifetime)
		c["exp"] = exp.Unix()
	}
	return signJWT(s.key, c), exp
}

func (s *Server) checkPPMToken(tok string) (claims, error) {
	c, err := verifyJWT(s.key, tok)
	if err != nil {
		return c, err
	}
	if c.Iss != "packagemanager" || c.Aud != "packagemanager" {
		return c, errors.New("wrong audience")
	}
	s.mu.Lock()
	revoked := s.revoked
	s.mu.Unlock()
	// fake_issued_ns carries the issue time in nanoseconds so revocation is exact.
	body, _ := b64.DecodeString(strings.Split(tok, ".")[1])
	var nb struct {
		Nbf int64 `json:"fake_issued_ns"`
	}
	json.Unmarshal(body, &nb)
	if !revoked.IsZero() && nb.Nbf <= revoked.UnixNano() {
		return c, errors.New("revoked")
	}
	return c, nil
}

// --- helpers ---

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, http.StatusBadRequest, body)
}

func (s *Server) count(f func(c *Counts)) {
	s.mu.Lock()
	f(&s.counts)
	s.mu.Unlock()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		start := time.Now()
		next.ServeHTTP(rec, r)
		if s.opts.Logf != nil {
			s.opts.Logf("%s %s → %d (%s)", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Millisecond))
		}
	})
}
