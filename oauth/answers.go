package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/posit-dev/git-credential-ppm/internal/redact"
	"golang.org/x/oauth2"
)

// This file turns PPM's answers into values. Its functions are pure (an
// answer's status, Content-Type and body in; a value or an error sentence
// out) so they are fuzzed directly.

// Limits on what the server may send.
const (
	maxBody     = 1 << 20  // bytes of one answer
	maxTokenLen = 16 << 10 // bytes of one token or device code
	maxUserCode = 64       // characters of a user code
	maxURI      = 2048     // bytes of a verification URI

	maxInterval  = time.Hour
	maxExpiresIn = 24 * time.Hour
)

// Defaults of RFC 8628 when the server leaves the fields out.
const (
	defaultInterval  = 5 * time.Second
	defaultExpiresIn = 300 * time.Second
	slowDownStep     = 5 * time.Second
)

// answer is one HTTP answer as read: at most maxBody+1 bytes of its body.
type answer struct {
	endpoint    string // path, for the error text
	status      int
	contentType string
	body        []byte
	oversize    bool   // more than maxBody; the body is not kept
	date        string // the Date header, if any
}

// decode interprets the answer: a *ServerError for an error status, an error
// sentence for anything but a JSON object under 200 OK, else the object
// decoded into out. secrets are removed from any server text kept.
func (a answer) decode(out any, secrets []string) error {
	if a.oversize || len(a.body) > maxBody {
		return fmt.Errorf("%s answered more than 1 MiB, which is not a Package Manager answer; check PACKAGEMANAGER_ADDRESS and any proxy", a.endpoint)
	}
	if a.status >= 400 {
		return a.serverError(secrets)
	}
	if a.status != 200 {
		return fmt.Errorf("%s answered %d %s instead of 200 OK; check PACKAGEMANAGER_ADDRESS and any proxy", a.endpoint, a.status, http.StatusText(a.status))
	}
	if a.isWebPage() {
		return fmt.Errorf("%s answered a web page instead of JSON (a proxy or login page in the way?); check PACKAGEMANAGER_ADDRESS and any proxy", a.endpoint)
	}
	if len(bytes.TrimSpace(a.body)) == 0 {
		return fmt.Errorf("%s answered 200 OK with an empty body; check PACKAGEMANAGER_ADDRESS and any proxy", a.endpoint)
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return fmt.Errorf("%s answered %s; try again, and check PACKAGEMANAGER_ADDRESS and any proxy if it persists", a.endpoint, jsonProblem(err))
	}
	return nil
}

// serverError reads the OAuth error fields of an answer when it has them.
func (a answer) serverError(secrets []string) *ServerError {
	se := &ServerError{Endpoint: a.endpoint, Status: a.status, webPage: a.isWebPage()}
	if !se.webPage {
		var e struct {
			Error       any `json:"error"`
			Description any `json:"error_description"`
		}
		if json.Unmarshal(a.body, &e) == nil {
			code, _ := e.Error.(string)
			desc, _ := e.Description.(string)
			se.Code = cleanText(code, secrets, 64)
			se.Description = cleanText(desc, secrets, 200)
		}
	}
	return se
}

// isWebPage reports an HTML answer: by its type, or by its first byte when
// the type says nothing useful.
func (a answer) isWebPage() bool {
	mt, _, _ := mime.ParseMediaType(a.contentType)
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(a.body), []byte("<"))
}

// oauthErrorOf returns the answer's OAuth error, if a 200 answer carries one
// (some servers answer errors with 200).
func oauthErrorOf(a answer, body []byte, secrets []string) *ServerError {
	var e struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	if s, ok := e.Error.(string); ok && s != "" {
		return a.serverError(secrets)
	}
	return nil
}

// jsonProblem describes a decoding error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON"):
		return "JSON that is cut off"
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON (syntax error at byte %d)", se.Offset)
	case errors.As(err, &te) && te.Field != "":
		return fmt.Sprintf("JSON whose field %s has the wrong type", te.Field)
	}
	return "JSON that is not an object"
}

// deviceAuthFrom checks what x/oauth2 decoded from /__api__/device's
// answer and makes a DeviceAuth of it, without its Verifier: the codes and
// URIs must be safe to send, print and open in a browser. start is when the
// request was sent by the injected clock; left is the codes' lifetime
// x/oauth2 read from expires_in (zero or less when absent or not positive:
// the RFC's 300 s), capped at 24 h. An interval under 1 s is the RFC's 5 s;
// over an hour, an hour.
func deviceAuthFrom(r *oauth2.DeviceAuthResponse, start time.Time, left time.Duration) (*DeviceAuth, error) {
	if r.DeviceCode == "" || r.UserCode == "" || r.VerificationURI == "" {
		return nil, fmt.Errorf("%s answered without device_code, user_code or verification_uri; check that PACKAGEMANAGER_ADDRESS is a Package Manager with login enabled", PathDevice)
	}
	if !isToken(r.DeviceCode) {
		return nil, fmt.Errorf("%s answered a device_code that is not a plain token; check PACKAGEMANAGER_ADDRESS and any proxy", PathDevice)
	}
	if !isUserCode(r.UserCode) {
		return nil, fmt.Errorf("%s answered a user_code that cannot be shown safely (control characters or over %d characters); check PACKAGEMANAGER_ADDRESS", PathDevice, maxUserCode)
	}
	if !isWebURI(r.VerificationURI) {
		return nil, fmt.Errorf("%s answered a verification_uri that is not an http(s) URL; check PACKAGEMANAGER_ADDRESS", PathDevice)
	}
	complete := r.VerificationURIComplete
	if !isWebURI(complete) {
		complete = "" // optional: a bad one is dropped, the plain URI still works
	}
	switch {
	case left <= 0:
		left = defaultExpiresIn
	case left > maxExpiresIn:
		left = maxExpiresIn
	}
	interval := defaultInterval
	if r.Interval >= 1 {
		interval = min(time.Duration(min(r.Interval, int64(maxInterval/time.Second)))*time.Second, maxInterval)
	}
	return &DeviceAuth{
		DeviceCode:              r.DeviceCode,
		UserCode:                r.UserCode,
		VerificationURI:         r.VerificationURI,
		VerificationURIComplete: complete,
		Interval:                interval,
		ExpiresAt:               start.Add(left),
	}, nil
}

// parseDeviceAccessAnswer reads /__api__/device_access's answer: the id
// token when approved, else a *ServerError whose Code says why not (the
// poll loop acts on it), else an error sentence.
func parseDeviceAccessAnswer(a answer, secrets []string) (string, error) {
	var ans struct {
		IDToken any `json:"id_token"`
	}
	if err := a.decode(&ans, secrets); err != nil {
		return "", err
	}
	id, _ := ans.IDToken.(string)
	if ans.IDToken == nil || ans.IDToken == "" {
		if se := oauthErrorOf(a, a.body, secrets); se != nil {
			return "", se
		}
		return "", fmt.Errorf("%s approved the login but answered without an id_token; check that PACKAGEMANAGER_ADDRESS is a Package Manager", a.endpoint)
	}
	if !isToken(id) {
		return "", fmt.Errorf("%s answered an id_token that is not a plain token; check PACKAGEMANAGER_ADDRESS and any proxy", a.endpoint)
	}
	return id, nil
}

// parseTokenAnswer reads /__api__/token's answer. now is the time the
// request was sent, the base for expires_in.
func parseTokenAnswer(a answer, now time.Time, secrets []string) (*Token, error) {
	var ans struct {
		AccessToken any             `json:"access_token"`
		TokenType   any             `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := a.decode(&ans, secrets); err != nil {
		return nil, err
	}
	tok, _ := ans.AccessToken.(string)
	if ans.AccessToken == nil || ans.AccessToken == "" {
		if se := oauthErrorOf(a, a.body, secrets); se != nil {
			return nil, se
		}
		return nil, fmt.Errorf("%s answered without an access_token; check that PACKAGEMANAGER_ADDRESS is a Package Manager", a.endpoint)
	}
	if !isToken(tok) {
		// A token with a newline or space would corrupt git's credential
		// protocol and keyring's output further on.
		return nil, fmt.Errorf("%s answered an access_token that is not a plain token (spaces, control characters or over %d KiB); check PACKAGEMANAGER_ADDRESS and any proxy", a.endpoint, maxTokenLen>>10)
	}
	t := &Token{Token: oauth2.Token{AccessToken: tok}}
	if tt, ok := ans.TokenType.(string); ok && isToken(tt) && len(tt) <= 64 {
		t.TokenType = tt
	}
	if d, err := http.ParseTime(a.date); err == nil {
		t.ServerDate = d.UTC()
	}
	c, err := ParseClaims(tok)
	switch {
	case err == nil:
		t.Expiry, t.IssuedAt, t.Subject = c.Expiry, c.IssuedAt, c.Subject
	case errors.Is(err, ErrInvalidExpiry):
		// A JWT's exp decides, and it says nothing usable: expired.
		t.Expiry, t.IssuedAt, t.Subject, t.InvalidExpiry = now, c.IssuedAt, c.Subject, true
		return t, nil
	}
	if t.Expiry.IsZero() && ans.ExpiresIn != nil {
		// No exp: the answer's expires_in, from the time of the request.
		d, ok := lifetime(ans.ExpiresIn)
		t.Expiry, t.InvalidExpiry = now.Add(d), !ok
		if t.IssuedAt.IsZero() {
			t.IssuedAt = now
		}
	}
	return t, nil
}

// maxLifetime caps expires_in: ten years.
const maxLifetime = 10 * 365 * 24 * time.Hour

// lifetime reads expires_in: a JSON number of seconds, or a string holding
// one (as some servers send), capped at maxLifetime. Anything else — null,
// zero, negative, not a number, beyond float64 — is no lifetime at all:
// 0, false (the token counts as expired when it arrives; "never expires"
// would serve it for ever).
func lifetime(raw json.RawMessage) (time.Duration, bool) {
	s := strings.TrimSpace(string(raw))
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(uq)
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0:
		return 0, false
	case f >= maxLifetime.Seconds():
		return maxLifetime, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// isToken accepts what can travel as a token: printable ASCII without
// spaces, at most maxTokenLen bytes.
func isToken(s string) bool {
	if s == "" || len(s) > maxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isUserCode accepts a short code of printable characters, safe to print on
// a terminal (no escape sequences).
func isUserCode(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxUserCode || strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// isWebURI accepts an absolute http(s) URL with a host and no control or
// space characters: the browser is opened on it and it is printed.
func isWebURI(s string) bool {
	if s == "" || len(s) > maxURI || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Opaque == ""
}

// cleanText keeps server-provided text to one short printable line without
// the given secrets.
func cleanText(s string, secrets []string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	s = redact.Known(s, secrets...)
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = redact.Known(s, secrets...)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}
