package fakeppm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxForm bounds the OAuth request bodies the fake reads.
const maxForm = 64 << 10

// pollSlack forgives polls that arrive this much before the interval is up
// (timer and scheduling jitter in a client that does wait).
const pollSlack = 100 * time.Millisecond

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// oauthError answers 400 {error, error_description?} as RFC 6749 §5.2 says.
func oauthError(w http.ResponseWriter, code, desc string) {
	note(w, code)
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, http.StatusBadRequest, body)
}

// parseForm reads a form-encoded POST body.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(w, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return false
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the body is not a valid form")
		return false
	}
	return true
}

// seconds is d in whole seconds, rounded up, for expires_in-style fields.
func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// handleDevice starts a device login: POST /__api__/device.
func (s *Server) handleDevice(w http.ResponseWriter, r *http.Request) {
	s.count(func(c *Counts) { c.Device++ })
	if !parseForm(w, r) {
		return
	}
	method, chal := r.PostForm.Get("code_challenge_method"), r.PostForm.Get("code_challenge")
	if method != "S256" {
		oauthError(w, "invalid_request", "code_challenge_method must be S256")
		return
	}
	// An S256 challenge is BASE64URL-NOPAD of 32 bytes: 43 characters.
	if raw, err := b64.DecodeString(chal); err != nil || len(raw) != sha256.Size {
		oauthError(w, "invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier")
		return
	}
	dc := s.remember(hex.EncodeToString(randomBytes(20)))
	uc := strings.ToUpper(hex.EncodeToString(randomBytes(2)) + "-" + hex.EncodeToString(randomBytes(2)))
	now := s.now()
	d := &device{
		challenge: chal,
		userCode:  uc,
		interval:  s.opts.Interval,
		expires:   now.Add(s.opts.DeviceExpiresIn),
		state:     statePending,
		subject:   "person-" + strings.ToLower(uc[:4]),
	}
	s.mu.Lock()
	s.devices[dc] = d
	s.byUser[uc] = dc
	if s.opts.AutoApprove {
		d.state = stateApproved
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
		ans["expires_in"] = seconds(s.opts.DeviceExpiresIn)
	}
	if !s.opts.OmitInterval {
		ans["interval"] = seconds(s.opts.Interval)
	}
	writeJSON(w, http.StatusOK, ans)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return b64.EncodeToString(sum[:])
}

// handleDeviceAccess is the polling endpoint: POST /__api__/device_access.
// The order of checks: unknown code, PKCE, polling too fast (slow_down, in
// any state), expiry, then the state.
func (s *Server) handleDeviceAccess(w http.ResponseWriter, r *http.Request) {
	polls := 0
	s.count(func(c *Counts) { c.DeviceAccess++; polls = c.DeviceAccess })
	if polls <= s.opts.DeviceAccessOutage {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
		return
	}
	if !parseForm(w, r) {
		return
	}
	s.remember(r.PostForm.Get("code_verifier"))
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
	now := s.now()
	if !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval-pollSlack {
		// RFC 8628 §3.5: the interval for this code grows by 5 s.
		d.interval += 5 * time.Second
		d.lastPoll = now
		s.counts.SlowDown++
		s.mu.Unlock()
		oauthError(w, "slow_down", fmt.Sprintf("poll at most every %d seconds", seconds(d.interval)))
		return
	}
	d.lastPoll = now
	state := d.state
	if state != stateUsed && !now.Before(d.expires) {
		state = "expired"
	}
	if state == stateApproved {
		d.state = stateUsed
	}
	subject := d.subject
	s.mu.Unlock()
	switch state {
	case statePending:
		oauthError(w, "authorization_pending", "")
	case stateDenied:
		oauthError(w, "access_denied", "the person denied the login")
	case "expired":
		oauthError(w, "expired_token", "the device code expired; start the login again")
	case stateUsed:
		oauthError(w, "invalid_grant", "the device code was already used")
	case stateApproved:
		// PPM answers with an id_token only: no access_token here.
		note(w, "approved")
		writeJSON(w, http.StatusOK, map[string]string{"id_token": s.IssueIdentityToken(subject)})
	}
}

// handleToken is the RFC 8693 exchange: POST /__api__/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.count(func(c *Counts) { c.Exchange++ })
	if !parseForm(w, r) {
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:token-exchange" {
		oauthError(w, "unsupported_grant_type", "grant_type must be urn:ietf:params:oauth:grant-type:token-exchange")
		return
	}
	if r.PostForm.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:id_token" {
		oauthError(w, "invalid_request", "subject_token_type must be urn:ietf:params:oauth:token-type:id_token")
		return
	}
	if r.PostForm.Get("subject_token") == "" {
		oauthError(w, "invalid_request", "subject_token is missing")
		return
	}
	c, err := s.checkIdentityToken(r.PostForm.Get("subject_token"))
	if err != nil {
		oauthError(w, "invalid_grant", "the identity token is not valid: "+err.Error())
		return
	}
	tok, exp := s.issuePPMToken(c.Sub)
	ans := map[string]any{
		"access_token":      tok,
		"token_type":        "Bearer",
		"issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
	}
	if !exp.IsZero() {
		ans["expires_in"] = seconds(s.opts.TokenLifetime)
	}
	note(w, "issued a token for "+c.Sub)
	writeJSON(w, http.StatusOK, ans)
}

const pageHead = `<!doctype html><html><head><meta charset="utf-8"><title>Posit Package Manager sign-in</title></head><body>`

// handleVerify is the verification page, GET /__login__/device. Opened with
// ?user_code= (the verification_uri_complete a browser gets, or the form on
// the bare page), it approves that login, as a person clicking Approve would.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	uc := r.URL.Query().Get("user_code")
	if uc == "" {
		fmt.Fprint(w, pageHead+`<h1>Sign in to Package Manager</h1><form><label>Code <input name="user_code" autofocus></label> <button>Approve</button></form></body></html>`)
		return
	}
	if err := s.Approve(uc); err != nil {
		note(w, "not approved")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, pageHead+`<p>Cannot approve %s: %s</p></body></html>`, html.EscapeString(uc), html.EscapeString(err.Error()))
		return
	}
	note(w, "approved")
	fmt.Fprintf(w, pageHead+`<p>Approved %s. You can close this window.</p></body></html>`, html.EscapeString(uc))
}

// handleDeny denies a login: GET /__login__/device/deny?user_code=.
func (s *Server) handleDeny(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	uc := r.URL.Query().Get("user_code")
	if err := s.Deny(uc); err != nil {
		note(w, "not denied")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, pageHead+`<p>Cannot deny %s: %s</p></body></html>`, html.EscapeString(uc), html.EscapeString(err.Error()))
		return
	}
	note(w, "denied")
	fmt.Fprintf(w, pageHead+`<p>Denied %s.</p></body></html>`, html.EscapeString(uc))
}

// ApproveURL is the verification_uri_complete for userCode: opening it
// approves the login, as a person clicking Approve would.
func (s *Server) ApproveURL(userCode string) string {
	return s.URL() + "/__login__/device?user_code=" + url.QueryEscape(userCode)
}

// DenyURL is the page that denies the login with userCode when opened.
func (s *Server) DenyURL(userCode string) string {
	return s.URL() + "/__login__/device/deny?user_code=" + url.QueryEscape(userCode)
}

// Approve approves the pending login with userCode.
func (s *Server) Approve(userCode string) error { return s.decide(userCode, stateApproved) }

// Deny denies the pending login with userCode.
func (s *Server) Deny(userCode string) error { return s.decide(userCode, stateDenied) }

func (s *Server) decide(userCode, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dc, ok := s.byUser[strings.ToUpper(strings.TrimSpace(userCode))]
	if !ok {
		return errors.New("no login has this code; check the code shown by the client")
	}
	d := s.devices[dc]
	if !s.now().Before(d.expires) {
		return errors.New("this login code has expired; start the login again")
	}
	if d.state != statePending {
		return fmt.Errorf("this login was already %s", d.state)
	}
	d.state = state
	if state == stateApproved {
		s.counts.Approved++
	} else {
		s.counts.Denied++
	}
	return nil
}

// RevokeAll makes every PPM token issued so far invalid: the repositories
// answer 401 to them from now on. Tokens issued later are valid.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, jti := range s.live {
		s.revoked[jti] = true
	}
	s.live = nil
}

// ValidToken reports whether the repositories accept the PPM token tok now
// (signed by this server, not expired, not revoked).
func (s *Server) ValidToken(tok string) bool {
	_, err := s.checkPPMToken(tok)
	return err == nil
}
