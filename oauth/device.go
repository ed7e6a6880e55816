package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// DeviceAuth is a started device flow: what to show the person, and what
// polling needs. DeviceCode and Verifier are secrets; String and GoString
// leave them out.
type DeviceAuth struct {
	DeviceCode              string // secret: polling proves the flow with it
	UserCode                string // shown to the person
	VerificationURI         string // where the person enters UserCode
	VerificationURIComplete string // VerificationURI with the code filled in; may be empty
	// Interval is the wait between polls (5 s when the server gave none,
	// or less than a second).
	Interval time.Duration
	// ExpiresAt is when the codes expire (Now()+expires_in, 300 s when the
	// server gave none). Zero means no local deadline.
	ExpiresAt time.Time
	// Verifier is the PKCE code verifier; secret.
	Verifier string
}

// String describes the flow without its secrets.
func (d DeviceAuth) String() string {
	return fmt.Sprintf("device flow (user code %s at %s, polling every %s, expires %s)", d.UserCode, d.VerificationURI, d.Interval, d.ExpiresAt.Format(time.RFC3339))
}

// GoString is String, so %#v shows no secrets either.
func (d DeviceAuth) GoString() string { return "oauth.DeviceAuth{" + d.String() + "}" }

// config is PPM's endpoints as golang.org/x/oauth2 sees them. AuthStyle is
// set: its zero value (auto-detect) makes x/oauth2's token requests post a
// refused request a second time with the other style, and a second device
// request would be a second code and a lost approval.
func (c *Client) config() (*oauth2.Config, error) {
	device, err := c.endpointURL(PathDevice)
	if err != nil {
		return nil, err
	}
	token, err := c.endpointURL(PathToken)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{Endpoint: oauth2.Endpoint{
		DeviceAuthURL: device.String(),
		TokenURL:      token.String(),
		AuthStyle:     oauth2.AuthStyleInParams,
	}}, nil
}

// StartDevice starts a device flow with golang.org/x/oauth2 (RFC 8628
// §3.1, with an S256 PKCE challenge of a fresh verifier, RFC 7636): POST
// {base}/__api__/device through c's client. The answer's user code and
// verification URI are checked to be safe to print and to open in a
// browser.
func (c *Client) StartDevice(ctx context.Context) (*DeviceAuth, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.Endpoint.DeviceAuthURL)
	verifier := oauth2.GenerateVerifier()
	hc := c.httpClient()
	note := &answerNote{ctx: ctx, rt: hc.Transport}
	if note.rt == nil {
		note.rt = http.DefaultTransport
	}
	hc.Transport = note
	start, sent := c.now(), time.Now() // x/oauth2 reads expires_in against time.Now
	r, err := cfg.DeviceAuth(context.WithValue(ctx, oauth2.HTTPClient, hc), oauth2.S256ChallengeOption(verifier))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, deviceAuthError(u, hc.Timeout, note, err)
	}
	var left time.Duration
	if !r.Expiry.IsZero() {
		left = r.Expiry.Sub(sent).Round(time.Second)
	}
	da, err := deviceAuthFrom(r, start, left)
	if err != nil {
		return nil, err
	}
	da.Verifier = verifier
	return da, nil
}

// answerNote is the RoundTripper under x/oauth2's DeviceAuth: it sends
// each request with rt, ended by ctx as well as by the client's own
// deadline (x/oauth2 makes its request without the caller's context, which
// Ctrl-C must end), and notes the answer's status and Content-Type, how
// much of its body was read and why reading stopped short, so that a
// failure can be said in words (x/oauth2's text for those quotes Go
// types). One DeviceAuth at a time.
type answerNote struct {
	ctx         context.Context
	rt          http.RoundTripper
	status      int
	contentType string
	read        int64
	err         error // a read error other than io.EOF
}

func (n *answerNote) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(n.ctx, cancel)
	release := func() { stop(); cancel() }
	resp, err := n.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		release()
		return nil, err
	}
	n.status, n.contentType, n.read, n.err = resp.StatusCode, resp.Header.Get("Content-Type"), 0, nil
	resp.Body = &notedBody{ReadCloser: resp.Body, note: n, release: release}
	return resp, nil
}

// notedBody is an answer's body whose reads the note counts; its end
// releases the request's context.
type notedBody struct {
	io.ReadCloser
	note    *answerNote
	release func()
}

func (b *notedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.note.read += int64(n)
	if err != nil && err != io.EOF {
		b.note.err = err
	}
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *notedBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// deviceAuthError says in one sentence why x/oauth2's DeviceAuth failed:
// an error answer (its *oauth2.RetrieveError, read as a *ServerError), no
// answer (the client's error), or an answer it could not read, as note
// tells (x/oauth2's own text for those quotes a Go type).
func deviceAuthError(u *url.URL, timeout time.Duration, note *answerNote, err error) error {
	var re *oauth2.RetrieveError
	var ue *url.Error
	switch {
	case errors.As(err, &re) && re.Response != nil:
		a := answer{endpoint: PathDevice, status: re.Response.StatusCode, contentType: re.Response.Header.Get("Content-Type"), body: re.Body}
		return a.serverError(nil)
	case errors.As(err, &ue):
		return transportError(u, timeout, err)
	case errors.Is(note.err, errAnswerTooLarge) || note.read >= maxBody:
		return fmt.Errorf("%s answered more than 1 MiB, which is not a Package Manager answer; check PACKAGEMANAGER_ADDRESS and any proxy", PathDevice)
	case note.err != nil:
		return readError(u, timeout, note.err)
	case note.status != 0 && note.status != http.StatusOK:
		return fmt.Errorf("%s answered %s instead of 200 OK; check PACKAGEMANAGER_ADDRESS and any proxy", PathDevice, statusText(note.status))
	case answer{contentType: note.contentType}.isWebPage(), strings.Contains(err.Error(), "invalid character '<'"):
		return fmt.Errorf("%s answered a web page instead of JSON (a proxy or login page in the way?); check PACKAGEMANAGER_ADDRESS and any proxy", PathDevice)
	case note.status != 0 && note.read == 0:
		return fmt.Errorf("%s answered 200 OK with an empty body; check PACKAGEMANAGER_ADDRESS and any proxy", PathDevice)
	}
	return fmt.Errorf("%s answered %s; try again, and check PACKAGEMANAGER_ADDRESS and any proxy if it persists", PathDevice, jsonTextProblem(err.Error()))
}

// jsonTextProblem names a decoding failure from encoding/json's words (x/oauth2
// passes them on as text) without quoting the answer.
func jsonTextProblem(msg string) string {
	switch {
	case strings.Contains(msg, "unexpected end of JSON input"):
		return "JSON that is cut off"
	case strings.Contains(msg, "invalid character"), strings.Contains(msg, "looking for beginning"):
		return "malformed JSON"
	case strings.Contains(msg, "cannot unmarshal") && strings.Contains(msg, "Go value of type"):
		return "JSON that is not an object"
	case strings.Contains(msg, "interval"), strings.Contains(msg, "expires_in"):
		return "an interval or expires_in that is not a whole number of seconds"
	case strings.Contains(msg, "cannot unmarshal"):
		return "JSON whose fields have the wrong type"
	}
	return "something that is not a device authorization (" + cleanText(msg, nil, 120) + ")"
}

// PollDevice waits for the person to approve the flow, polling POST
// {base}/__api__/device_access with the device code and PKCE verifier, and
// returns the identity token PPM hands out. x/oauth2's DeviceAccessToken
// cannot do it: it requires an access_token, and PPM answers an id_token.
//
// It waits Interval (at least 1 s; under that, the RFC's 5 s) before each
// poll, so there is never more than one poll a second (RFC 8628 §3.5):
// authorization_pending keeps waiting; slow_down adds 5 s to the interval
// for this and every later poll; access_denied is ErrAccessDenied;
// expired_token, or reaching ExpiresAt, is ErrExpired. A 5xx or 429
// answer, no answer in time, or a refused or dropped connection is waited
// out with a growing pause (twice the interval, then twice that, up to a
// minute) until the code expires, said once through Notice; any other
// answer stops with an error naming it. When ctx ends, PollDevice returns
// ctx.Err() at once.
func (c *Client) PollDevice(ctx context.Context, da *DeviceAuth) (string, error) {
	if da == nil || da.DeviceCode == "" || da.Verifier == "" {
		return "", errors.New("polling for a login needs the device code and verifier StartDevice returned; start the login again")
	}
	secrets := []string{da.DeviceCode, da.Verifier}
	form := url.Values{"device_code": {da.DeviceCode}, "code_verifier": {da.Verifier}}
	interval := da.Interval
	if interval < time.Second {
		interval = defaultInterval
	}
	failures := 0  // polls in a row that got no usable answer
	var last error // the last of them
	noticed := false
	expired := func() error {
		if failures > 0 {
			return &expiredError{last: last}
		}
		return ErrExpired
	}
	for {
		wait := interval
		if failures > 0 {
			wait = max(interval, min(interval<<failures, maxRetryWait))
		}
		if !da.ExpiresAt.IsZero() {
			left := da.ExpiresAt.Sub(c.now())
			if left <= 0 {
				return "", expired()
			}
			wait = min(wait, left)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return "", err
		}
		if !da.ExpiresAt.IsZero() && !c.now().Before(da.ExpiresAt) {
			return "", expired()
		}
		id, err := c.pollOnce(ctx, form, secrets)
		if err == nil {
			return id, nil
		}
		var se *ServerError
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case transient(err):
			if !noticed {
				c.notice(da, err)
				noticed = true
			}
			failures, last = failures+1, err
			continue
		case !errors.As(err, &se):
			return "", err
		}
		failures = 0 // an answer: the pause starts over
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
	}
}

// expiredError is ErrExpired when the last polls got no usable answer.
type expiredError struct{ last error }

func (e *expiredError) Error() string {
	return "the login code expired before it was approved, while Package Manager was not answering the checks: " + e.last.Error()
}

func (e *expiredError) Is(target error) bool { return target == ErrExpired }

// maxRetryWait bounds the pause between polls that got no usable answer.
const maxRetryWait = time.Minute

// pollOnce asks device_access once.
func (c *Client) pollOnce(ctx context.Context, form url.Values, secrets []string) (string, error) {
	a, err := c.post(ctx, PathDeviceAccess, form)
	if err != nil {
		return "", err
	}
	return parseDeviceAccessAnswer(a, secrets)
}

// transient reports a poll's failure that waiting may cure: the server or
// a proxy failing (5xx), too many requests (429), no answer in time, a
// refused or dropped connection.
func transient(err error) bool {
	var se *ServerError
	if errors.As(err, &se) {
		return se.Status >= 500 || se.Status == http.StatusTooManyRequests
	}
	return Retryable(err)
}

// notice says, once per login, that polling goes on despite a failure.
func (c *Client) notice(da *DeviceAuth, err error) {
	if c.Notice == nil {
		return
	}
	what, _, _ := strings.Cut(err.Error(), ";")
	until := ""
	if !da.ExpiresAt.IsZero() {
		until = " at " + da.ExpiresAt.Local().Format("15:04:05")
	}
	c.Notice(fmt.Sprintf("checking the login at Package Manager failed (%s); still waiting for the approval, trying again until the code expires%s", what, until))
}
