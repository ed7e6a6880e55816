package oauth

import (
	"context"
	"errors"
	"golang.org/x/oauth2"
	"net/url"
	"strings"
	"time"
)

// Token is a PPM token from the exchange: an oauth2.Token (AccessToken, a
// secret that String and GoString leave out; TokenType; Expiry, from the
// JWT's exp claim, else from expires_in, else zero: no expiry known, valid
// until the server rejects it) and what PPM's answer says besides.
type Token struct {
	oauth2.Token
	// IssuedAt comes from the JWT's iat claim, else it is the time of the
	// request when expires_in gave the expiry, else zero.
	IssuedAt time.Time
	// Subject is the JWT's sub claim, when there is one.
	Subject string
	// InvalidExpiry reports that the answer gave a lifetime that is not
	// one: the JWT's exp, or without exp the answer's expires_in, present
	// but not a positive number of seconds (null, 0, -1, "abc", NaN,
	// 1e400 …). Expiry is then the time of the request: the token counts as
	// expired on arrival, never as one that does not expire.
	InvalidExpiry bool
	// ServerDate is the Date header of the answer that carried the token
	// (zero when absent or not a date): the server's clock, to compare with
	// this machine's when a token arrives already expired.
	ServerDate time.Time
}

// String describes the token without the token itself.
func (t Token) String() string {
	s := "PPM token"
	if t.Subject != "" {
		s += " for " + t.Subject
	}
	if t.Expiry.IsZero() {
		return s + " (no expiry)"
	}
	return s + " (expires " + t.Expiry.Format(time.RFC3339) + ")"
}

// GoString is String, so %#v shows no secret either.
func (t Token) GoString() string { return "oauth.Token{" + t.String() + "}" }

// Exchange trades an identity token for a PPM token (RFC 8693): POST
// {base}/__api__/token with grant_type token-exchange, the subject token
// and subject_token_type id_token.
func (c *Client) Exchange(ctx context.Context, subjectToken string) (*Token, error) {
	subjectToken = strings.TrimSpace(subjectToken)
	if subjectToken == "" {
		return nil, errors.New("there is no identity token to exchange; check PACKAGEMANAGER_IDENTITY_TOKEN_FILE or log in again")
	}
	form := url.Values{
		"grant_type":         {GrantTokenExchange},
		"subject_token":      {subjectToken},
		"subject_token_type": {TokenTypeIDToken},
	}
	start := c.now()
	a, err := c.post(ctx, PathToken, form)
	if err != nil {
		return nil, err
	}
	return parseTokenAnswer(a, start, secretParts(subjectToken))
}

// secretParts is a token and, for a JWT, its longer segments: a server
// echoing one segment must not put it in an error either.
func secretParts(tok string) []string {
	out := []string{tok}
	for _, seg := range strings.Split(tok, ".") {
		if len(seg) >= 16 && seg != tok {
			out = append(out, seg)
		}
	}
	return out
}
