package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// DeviceAuth is a started device flow: what to show the person, and what
// polling needs. DeviceCode and Verifier are secrets; String and GoString
// leave them out.
type DeviceAuth struct {
	DeviceCode              string // secret: polling proves the flow with it
	UserCode                string // shown to the person
	VerificationURI         string // where the person enters UserCode
	VerificationURIComplete string // VerificationURI with the code filled in; may be empty
	// Interval is the wait between polls (5 s when the server gave none).
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

// StartDevice starts a device flow: POST {base}/__api__/device with an S256
// PKCE challenge. The answer's user code and verification URI are checked
// to be safe to print and to open in a browser.
func (c *Client) StartDevice(ctx context.Context) (*DeviceAuth, error) {
	verifier, err := newVerifier()
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"code_challenge_method": {"S256"},
		"code_challenge":        {s256Challenge(verifier)},
	}
	// parseDeviceAnswer reads the answer (RFC 8628 §3.2) with the injected
	// clock and takes what PPM and other servers send: expires_in and
	// interval as numbers or as strings holding one.
	start := c.now()
	a, err := c.post(ctx, PathDevice, form)
	if err != nil {
		return nil, err
	}
	da, err := parseDeviceAnswer(a, start)
	if err != nil {
		return nil, err
	}
	da.Verifier = verifier
	return da, nil
}

// PollDevice waits for the person to approve the flow, polling POST
// {base}/__api__/device_access with the device code and PKCE verifier, and
// returns the identity token PPM hands out. It waits Interval before each
// poll; authorization_pending keeps waiting, slow_down adds 5 s to the
// interval (RFC 8628 §3.5); access_denied is ErrAccessDenied; expired_token
// or reaching ExpiresAt is ErrExpired; any other answer stops with an error
// naming it. When ctx ends, PollDevice returns ctx.Err() at once.
func (c *Client) PollDevice(ctx context.Context, da *DeviceAuth) (string, error) {
	if da == nil || da.DeviceCode == "" || da.Verifier == "" {
		return "", errors.New("polling for a login needs the device code and verifier StartDevice returned; start the login again")
	}
	secrets := []string{da.DeviceCode, da.Verifier}
	form := url.Values{"device_code": {da.DeviceCode}, "code_verifier": {da.Verifier}}
	interval := da.Interval
	if interval <= 0 {
		interval = defaultInterval
	}
	for {
		wait := interval
		if !da.ExpiresAt.IsZero() {
			left := da.ExpiresAt.Sub(c.now())
			if left <= 0 {
				return "", ErrExpired
			}
			wait = min(wait, left)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return "", err
		}
		if !da.ExpiresAt.IsZero() && !c.now().Before(da.ExpiresAt) {
			return "", ErrExpired
		}
		a, err := c.post(ctx, PathDeviceAccess, form)
		if err != nil {
			return "", err
		}
		id, err := parseDeviceAccessAnswer(a, secrets)
		if err == nil {
			return id, nil
		}
		var se *ServerError
		if errors.As(err, &se) && se.Status < 500 {
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
		}
		return "", err
	}
}
