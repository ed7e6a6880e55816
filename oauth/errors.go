package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
)

var (
	// ErrAccessDenied reports that the person denied the login in the
	// browser (device_access answered access_denied).
	ErrAccessDenied = errors.New("the login was denied in the browser; start the login again to retry")
	// ErrExpired reports that the device code expired before the person
	// approved it (expired_token, or DeviceAuth.ExpiresAt passed).
	ErrExpired = errors.New("the login code expired before it was approved; start the login again to get a new one")
)

// ServerError is an answer with an error status (4xx or 5xx), or a 200
// answer carrying an OAuth "error". Code and Description are the OAuth
// error fields when the body had them (empty otherwise), already stripped
// of control characters and of the secrets the request carried, so the
// error's text is safe to show and to log.
type ServerError struct {
	Endpoint    string // path of the endpoint, e.g. /__api__/token
	Status      int    // HTTP status code
	Code        string // OAuth "error", e.g. invalid_grant
	Description string // OAuth "error_description"
	webPage     bool   // the body was HTML (a proxy or login page)
}

// Error describes the answer and what to do, in one sentence.
func (e *ServerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered %s", e.Endpoint, statusText(e.Status))
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, " with error %s", e.Code)
		if e.Description != "" {
			fmt.Fprintf(&b, " (%s)", e.Description)
		}
	case e.webPage:
		b.WriteString(" with a web page instead of JSON")
	}
	b.WriteString("; ")
	b.WriteString(e.hint())
	return b.String()
}

func (e *ServerError) hint() string {
	switch {
	case e.Status >= 500:
		return "Package Manager (or a proxy in front of it) is failing: try again later or ask its administrator"
	case e.Code == "" && e.Status == 404:
		return "this address does not look like a Package Manager with login enabled: check PACKAGEMANAGER_ADDRESS"
	case e.Code == "":
		return "something other than Package Manager answered (a proxy or login page in the way?): check PACKAGEMANAGER_ADDRESS and any proxy"
	case e.Endpoint == PathToken:
		return "Package Manager refused the identity token: check that it is current and issued for this server"
	case e.Endpoint == PathDevice:
		return "Package Manager refused to start a login: check that its OpenID Connect login is enabled"
	default:
		return "start the login again; if it keeps failing, ask the Package Manager administrator"
	}
}

// Unwrap returns the answer as golang.org/x/oauth2 reports an OAuth error
// answer (RFC 6749 §5.2), so errors.As(err, new(*oauth2.RetrieveError))
// works: the status and the error fields as cleaned here, without the body.
func (e *ServerError) Unwrap() error {
	return &oauth2.RetrieveError{
		Response:         &http.Response{StatusCode: e.Status, Status: statusText(e.Status)},
		ErrorCode:        e.Code,
		ErrorDescription: e.Description,
	}
}
