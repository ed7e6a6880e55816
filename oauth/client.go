// Package oauth speaks Posit Package Manager's token endpoints: the OAuth
// 2.0 device authorization grant with PKCE (RFC 8628, RFC 7636), and the
// RFC 8693 token exchange that turns an identity token into a PPM token.
//
// PPM's device_access endpoint answers an id_token rather than an
// access_token, so the polling is this package's own; the PKCE verifier,
// challenge and error types come from golang.org/x/oauth2.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Grant and token type names of RFC 8693.
const (
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeIDToken   = "urn:ietf:params:oauth:token-type:id_token"
)

// maxBody bounds every answer read from the server.
const maxBody = 1 << 20

// Defaults of RFC 8628 when the server leaves the fields out.
const (
	defaultInterval  = 5 * time.Second
	defaultExpiresIn = 300 * time.Second
	slowDownStep     = 5 * time.Second
)

var (
	// ErrAccessDenied: the person denied the login (access_denied).
	ErrAccessDenied = errors.New("the login was denied")
	// ErrExpired: the device code expired before approval (expired_token).
	ErrExpired = errors.New("the login code expired")
)

// ServerError is an answer with an error status, with the OAuth error code
// when the body had one. Its text never includes the request's secrets.
type ServerError struct {
	Endpoint    string // path, e.g. /__api__/token
	Status      int
	Code        string // OAuth "error"
	Description string // OAuth "error_description"
}

func (e *ServerError) Error() string {
	msg := fmt.Sprintf("%s answered %d %s", e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += ": " + e.Code
		if e.Description != "" {
			msg += " (" + sanitize(e.Description) + ")"
		}
	}
	return msg
}

// RetrieveError returns the error as golang.org/x/oauth2's type, for callers
// that already handle it.
func (e *ServerError) RetrieveError() *oauth2.RetrieveError {
	return &oauth2.RetrieveError{ErrorCode: e.Code, ErrorDescription: e.Description, Response: &http.Response{StatusCode: e.Status}}
}

// Client talks to one Package Manager.
type Client struct {
	// BaseURL is the PPM address, e.g. https://ppm.example.com (a path
	// prefix and a trailing slash are allowed).
	BaseURL string
	// HTTP is the client used; nil means NewHTTPClient().
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between polls; nil means a timer that ends early with
	// ctx.Err() when ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewHTTPClient returns the client production code uses: a 30 s overall
// timeout per request and a redirect policy that never follows a redirect
// to another scheme, host or port, so codes and tokens reach only the
// configured server.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     http.DefaultTransport,
		CheckRedirect: sameOriginRedirects,
	}
}

func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
		return fmt.Errorf("refusing a redirect from %s://%s to %s://%s: tokens are only sent to the configured address", first.Scheme, first.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) endpoint(path string) string {
	return strings.TrimRight(c.BaseURL, "/") + path
}

// DeviceAuth is a started device flow.
type DeviceAuth struct {
	DeviceCode              string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	Interval                time.Duration
	ExpiresAt               time.Time
	// Verifier is the PKCE code verifier; secret.
	Verifier string
}

// String describes the flow without its secrets.
func (d *DeviceAuth) String() string {
	return fmt.Sprintf("device flow (user code %s, verify at %s, expires %s)", d.UserCode, d.VerificationURI, d.ExpiresAt.Format(time.RFC3339))
}

// StartDevice starts a device flow: POST /__api__/device with an S256 PKCE
// challenge.
func (c *Client) StartDevice(ctx context.Context) (*DeviceAuth, error) {
	verifier := oauth2.GenerateVerifier()
	form := url.Values{
		"code_challenge_method": {"S256"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
	}
	// oauth2.DeviceAuthResponse's own decoder turns expires_in into a time
	// with the process clock; the injected clock is used here instead.
	var ans struct {
		DeviceCode              string      `json:"device_code"`
		UserCode                string      `json:"user_code"`
		VerificationURI         string      `json:"verification_uri"`
		VerificationURIComplete string      `json:"verification_uri_complete"`
		ExpiresIn               json.Number `json:"expires_in"`
		Interval                json.Number `json:"interval"`
	}
	if _, err := c.post(ctx, "/__api__/device", form, &ans, nil); err != nil {
		return nil, err
	}
	d := &DeviceAuth{
		DeviceCode:              ans.DeviceCode,
		UserCode:                ans.UserCode,
		VerificationURI:         ans.VerificationURI,
		VerificationURIComplete: ans.VerificationURIComplete,
		Interval:                seconds(ans.Interval, defaultInterval),
		ExpiresAt:               c.now().Add(seconds(ans.ExpiresIn, defaultExpiresIn)),
		Verifier:                verifier,
	}
	if d.DeviceCode == "" || d.UserCode == "" || d.VerificationURI == "" {
		return nil, fmt.Errorf("%s answered without device_code, user_code or verification_uri; is %s a Package Manager with login enabled?", "/__api__/device", c.BaseURL)
	}
	if err := checkVerificationURI(d.VerificationURI); err != nil {
		return nil, err
	}
	if d.VerificationURIComplete != "" && checkVerificationURI(d.VerificationURIComplete) != nil {
		d.VerificationURIComplete = ""
	}
	return d, nil
}

// checkVerificationURI accepts only http(s) URLs: the browser is opened on
// it, so it must not be a command or a file.
func checkVerificationURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("/__api__/device answered a verification_uri that is not an http(s) URL")
	}
	return nil
}

func seconds(n json.Number, def time.Duration) time.Duration {
	if n == "" {
		return def
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 86400 {
		return def
	}
	return time.Duration(f * float64(time.Second))
}

// PollDevice waits for the person to approve the flow and returns the
// identity token PPM hands out (POST /__api__/device_access). It waits
// Interval between polls, grows it by 5 s on slow_down, and stops on
// access_denied (ErrAccessDenied), expired_token or ExpiresAt
// (ErrExpired), any other answer, or ctx.
func (c *Client) PollDevice(ctx context.Context, da *DeviceAuth) (string, error) {
	interval := da.Interval
	if interval <= 0 {
		interval = defaultInterval
	}
	form := url.Values{"device_code": {da.DeviceCode}, "code_verifier": {da.Verifier}}
	for {
		if err := c.sleep(ctx, interval); err != nil {
			return "", err
		}
		if !c.now().Before(da.ExpiresAt) {
			return "", ErrExpired
		}
		var ans struct {
			IDToken     string `json:"id_token"`
			AccessToken string `json:"access_token"`
		}
		_, err := c.post(ctx, "/__api__/device_access", form, &ans, nil)
		var se *ServerError
		switch {
		case err == nil:
			if ans.IDToken != "" {
				return ans.IDToken, nil
			}
			return "", fmt.Errorf("/__api__/device_access approved the login but answered no id_token; check that %s is a Package Manager", c.BaseURL)
		case errors.As(err, &se) && se.Status >= 400 && se.Status < 500:
			switch se.Code {
			case "authorization_pending":
				continue
			case "slow_down":
				interval += slowDownStep
				continue
			case "access_denied":
				return "", ErrAccessDenied
			case "expired_token":
				return "", ErrExpired
			}
			return "", err
		default:
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", err
		}
	}
}

// Token is a PPM token from the exchange.
type Token struct {
	AccessToken string
	// Expiry comes from the JWT's exp claim, else from expires_in, else zero
	// (no expiry known: valid until the server rejects it).
	Expiry   time.Time
	IssuedAt time.Time
	Subject  string
}

// Exchange trades an identity token for a PPM token (RFC 8693, POST
// /__api__/token).
func (c *Client) Exchange(ctx context.Context, subjectToken string) (*Token, error) {
	form := url.Values{
		"grant_type":         {GrantTokenExchange},
		"subject_token":      {subjectToken},
		"subject_token_type": {TokenTypeIDToken},
	}
	var ans struct {
		AccessToken string      `json:"access_token"`
		TokenType   string      `json:"token_type"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	start := c.now()
	if _, err := c.post(ctx, "/__api__/token", form, &ans, []string{subjectToken}); err != nil {
		return nil, err
	}
	if ans.AccessToken == "" {
		return nil, fmt.Errorf("/__api__/token answered without an access_token; check that %s is a Package Manager", c.BaseURL)
	}
	t := &Token{AccessToken: ans.AccessToken}
	if cl, err := ParseClaims(ans.AccessToken); err == nil {
		t.Expiry, t.IssuedAt, t.Subject = cl.Expiry, cl.IssuedAt, cl.Subject
	}
	if t.Expiry.IsZero() && ans.ExpiresIn != "" {
		if d := seconds(ans.ExpiresIn, 0); d > 0 {
			t.Expiry, t.IssuedAt = start.Add(d), start
		}
	}
	return t, nil
}

// post sends a form and decodes a JSON answer into out. Every failure is
// one sentence naming the endpoint; secrets (the form's values) never
// appear in it.
func (c *Client) post(ctx context.Context, path string, form url.Values, out any, secrets []string) (int, error) {
	hc := c.HTTP
	if hc == nil {
		hc = NewHTTPClient()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(path), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, fmt.Errorf("the Package Manager address %q cannot be used: %v", c.BaseURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("could not reach %s: %s", c.endpoint(path), describeTransportError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return resp.StatusCode, ctx.Err()
		}
		return resp.StatusCode, fmt.Errorf("%s: the answer was cut off (%v); try again", path, describeTransportError(err))
	}
	if len(body) > maxBody {
		return resp.StatusCode, fmt.Errorf("%s answered more than 1 MiB; that is not Package Manager's answer — check PACKAGEMANAGER_ADDRESS and any proxy", path)
	}
	isJSON := looksJSON(resp.Header.Get("Content-Type"), body)
	if resp.StatusCode >= 400 {
		se := &ServerError{Endpoint: path, Status: resp.StatusCode}
		if isJSON {
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if json.Unmarshal(body, &e) == nil {
				se.Code, se.Description = sanitize(e.Error), e.Description
			}
		}
		for _, s := range secrets {
			if s != "" {
				se.Description = strings.ReplaceAll(se.Description, s, "[redacted]")
			}
		}
		if se.Code == "" && resp.StatusCode >= 500 {
			return resp.StatusCode, fmt.Errorf("%s answered %d %s: Package Manager is failing; try again later or ask its administrator", path, resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		if se.Code == "" {
			return resp.StatusCode, fmt.Errorf("%s answered %d %s without an OAuth error; check PACKAGEMANAGER_ADDRESS (is it the Package Manager URL?)", path, resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		return resp.StatusCode, se
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("%s answered %d %s instead of 200 OK; check PACKAGEMANAGER_ADDRESS", path, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if !isJSON {
		return resp.StatusCode, fmt.Errorf("%s answered a web page instead of JSON (a proxy or login page in the way?); check PACKAGEMANAGER_ADDRESS", path)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return resp.StatusCode, fmt.Errorf("%s answered malformed JSON (%s); try again, or check PACKAGEMANAGER_ADDRESS", path, jsonProblem(err))
	}
	return resp.StatusCode, nil
}

func looksJSON(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return true
	}
	b := strings.TrimSpace(string(body[:min(len(body), 64)]))
	return mt == "" || mt == "text/plain" && strings.HasPrefix(b, "{")
}

// jsonProblem describes a decoding error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s has the wrong type", te.Field)
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end"):
		return "it ends early"
	}
	return "not a JSON object"
}

// describeTransportError keeps the network failure's cause, never a URL's
// query or a body.
func describeTransportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "no answer in time"
	}
	return err.Error()
}

// sanitize keeps server-provided text to one short printable line.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
