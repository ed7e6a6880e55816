package fakeppm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
)

func (s *Server) handleDevice(w http.ResponseWriter, r *http.Request) {
	s.count(func(c *Counts) { c.Device++ })
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the body is not a form")
		return
	}
	if r.PostForm.Get("code_challenge_method") != "S256" || len(r.PostForm.Get("code_challenge")) < 43 {
		oauthError(w, "invalid_request", "code_challenge_method=S256 and a code_challenge are required")
		return
	}
	dc := hex.EncodeToString(randomBytes(16))
	uc := strings.ToUpper(hex.EncodeToString(randomBytes(2)) + "-" + hex.EncodeToString(randomBytes(2)))
	d := &device{
		challenge: r.PostForm.Get("code_challenge"),
		userCode:  uc,
		interval:  s.opts.Interval,
		expires:   time.Now().Add(s.opts.DeviceExpiresIn),
		state:     "pending",
		subject:   "person-" + strings.ToLower(uc[:4]),
	}
	if s.opts.AutoApprove {
		d.state = "approved"
	}
	s.mu.Lock()
	s.devices[dc] = d
	s.byUser[uc] = dc
	if s.opts.AutoApprove {
		s.counts.Approved++
	}
	s.mu.Unlock()
	ans := map[string]any{
		"device_code":               dc,
		"user_code":                 uc,
		"verification_uri":          s.URL() + "/__login__/device",
		"verification_uri_complete": s.ApproveURL(uc),
	}
	if !s.opts.OmitExpiresIn {
		ans["expires_in"] = int(s.opts.DeviceExpiresIn.Seconds())
	}
	if !s.opts.OmitInterval {
		ans["interval"] = int(s.opts.Interval.Seconds())
	}
	writeJSON(w, http.StatusOK, ans)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return b64.EncodeToString(sum[:])
}

func (s *Server) handleDeviceAccess(w http.ResponseWriter, r *http.Request) {
	s.count(func(c *Counts) { c.DeviceAccess++ })
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the body is not a form")
		return
	}
	s.mu.Lock()
	d, ok := s.devices[r.PostForm.Get("device_code")]
	if !ok {
		s.mu.Unlock()
		oauthError(w, "invalid_grant", "unknown device_code")
		return
	}
	if s256(r.PostForm.Get("code_verifier")) != d.challenge {
		s.mu.Unlock()
		oauthError(w, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	now := time.Now()
	// Polling sooner than the interval (with 100 ms of slack for timers)
	// earns slow_down and a longer interval, as RFC 8628 §3.5 says.
	if !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval-100*time.Millisecond {
		d.interval += 5 * time.Second
		d.lastPoll = now
		s.counts.SlowDown++
		s.mu.Unlock()
		oauthError(w, "slow_down", "")
		return
	}
	d.lastPoll = now
	state := d.state
	if state == "pending" && now.After(d.expires) {
		state = "expired"
	}
	if state == "approved" {
		d.state = "used"
	}
	subject := d.subject
	s.mu.Unlock()
	switch state {
	case "pending":
		oauthError(w, "authorization_pending", "")
	case "denied":
		oauthError(w, "access_denied", "the person denied the login")
	case "expired":
		oauthError(w, "expired_token", "the device code expired")
	case "used":
		oauthError(w, "invalid_grant", "the device code was already used")
	case "approved":
		// PPM answers an id_token only: no access_token here.
		writeJSON(w, http.StatusOK, map[string]string{"id_token": s.IssueIdentityToken(subject)})
	}
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.count(func(c *Counts) { c.Exchange++ })
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the body is not a form")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:token-exchange" {
		oauthError(w, "unsupported_grant_type", "only token exchange is supported")
		return
	}
	if r.PostForm.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:id_token" {
		oauthError(w, "invalid_request", "subject_token_type must be an id_token")
		return
	}
	c, err := verifyJWT(s.idpKey, r.PostForm.Get("subject_token"))
	if err != nil || c.Sub == "" {
		oauthError(w, "invalid_grant", "the identity token is not valid")
		return
	}
	tok, exp := s.issuePPMToken(c.Sub)
	ans := map[string]any{
		"access_token":      tok,
		"token_type":        "Bearer",
		"issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
	}
	if !exp.IsZero() {
		ans["expires_in"] = int(time.Until(exp).Round(time.Second).Seconds())
	}
	writeJSON(w, http.StatusOK, ans)
}

// handleVerify is the verification page. Opened with ?user_code= (the
// verification_uri_complete a browser gets), it approves that login, as a
// person clicking Approve would.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	uc := r.URL.Query().Get("user_code")
	if uc == "" {
		fmt.Fprint(w, `<!doctype html><title>Package Manager sign-in</title><form><label>Code <input name="user_code"></label><button>Approve</button></form>`)
		return
	}
	if err := s.Approve(uc); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<!doctype html><title>Package Manager sign-in</title><p>Cannot approve %s: %s</p>`, html.EscapeString(uc), html.EscapeString(err.Error()))
		return
	}
	fmt.Fprintf(w, `<!doctype html><title>Package Manager sign-in</title><p>Approved %s. You can close this window.</p>`, html.EscapeString(uc))
}

func (s *Server) handleDeny(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	uc := r.URL.Query().Get("user_code")
	if err := s.Deny(uc); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<p>Cannot deny %s: %s</p>`, html.EscapeString(uc), html.EscapeString(err.Error()))
		return
	}
	fmt.Fprintf(w, `<p>Denied %s.</p>`, html.EscapeString(uc))
}
