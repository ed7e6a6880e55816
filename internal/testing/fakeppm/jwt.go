package fakeppm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// b64 is JWT's base64url without padding; strict, so each token has one
// spelling (no trailing-bit variants of a signature).
var b64 = base64.RawURLEncoding.Strict()

const (
	ppmIssuer = "packagemanager"
	ppmAud    = "packagemanager"
	idpIssuer = "fakeppm-idp"
)

// maxJWT bounds what the fake parses; real tokens are well under 4 KiB.
const maxJWT = 16 << 10

// signJWT returns an HS256 JWT of claims signed with key.
func signJWT(key []byte, claims map[string]any) string {
	h := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, err := json.Marshal(claims)
	if err != nil {
		panic(err) // claims are built here from strings and numbers
	}
	msg := h + "." + b64.EncodeToString(body)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return msg + "." + b64.EncodeToString(m.Sum(nil))
}

// claims are the JWT claims the fake looks at.
type claims struct {
	Sub string `json:"sub"`
	Aud any    `json:"aud"` // a string or an array of strings
	Iss string `json:"iss"`
	Iat *int64 `json:"iat"`
	Exp *int64 `json:"exp"`
	Jti string `json:"jti"`
}

func (c claims) hasAudience(aud string) bool {
	switch a := c.Aud.(type) {
	case string:
		return a == aud
	case []any:
		for _, v := range a {
			if v == aud {
				return true
			}
		}
	}
	return false
}

// verifyJWT checks that tok is an HS256 JWT signed with key and not expired
// at now, and returns its claims. The error says which check failed, never
// the token.
func verifyJWT(key []byte, tok string, now time.Time) (claims, error) {
	if len(tok) > maxJWT {
		return claims{}, errors.New("too long")
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, errors.New("not a JWT")
	}
	head, err := b64.DecodeString(parts[0])
	if err != nil {
		return claims{}, errors.New("bad header encoding")
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(head, &h); err != nil {
		return claims{}, errors.New("bad header")
	}
	if h.Alg != "HS256" {
		return claims{}, fmt.Errorf("algorithm %q is not accepted", h.Alg)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return claims{}, errors.New("bad signature encoding")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return claims{}, errors.New("bad signature")
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return claims{}, errors.New("bad payload encoding")
	}
	var c claims
	if err := json.Unmarshal(body, &c); err != nil {
		return claims{}, errors.New("bad claims")
	}
	if c.Exp != nil && now.Unix() >= *c.Exp {
		return claims{}, errors.New("expired")
	}
	return c, nil
}

// IssueIdentityToken returns an identity token for subject that the
// exchange accepts for the next hour: an HS256 JWT signed by the fake's own
// identity provider (iss "fakeppm-idp", aud "packagemanager").
func (s *Server) IssueIdentityToken(subject string) string {
	return s.IssueIdentityTokenFor(subject, time.Hour)
}

// IssueIdentityTokenFor is IssueIdentityToken with a chosen lifetime; a
// lifetime <= 0 gives a token that has already expired, which the exchange
// refuses with invalid_grant.
func (s *Server) IssueIdentityTokenFor(subject string, lifetime time.Duration) string {
	now := s.now()
	exp := now.Add(lifetime)
	if lifetime <= 0 {
		exp = now.Add(-time.Second)
	}
	return s.remember(signJWT(s.idpKey, map[string]any{
		"iss": idpIssuer, "aud": s.identityAudience(), "sub": subject,
		"iat": now.Unix(), "exp": exp.Unix(),
	}))
}

// identityAudience is the audience the exchange requires of identity
// tokens (Options.IdentityAudience, default "packagemanager").
func (s *Server) identityAudience() string {
	if s.opts.IdentityAudience != "" {
		return s.opts.IdentityAudience
	}
	return ppmAud
}

// checkIdentityToken is what the exchange accepts as subject_token.
func (s *Server) checkIdentityToken(tok string) (claims, error) {
	c, err := verifyJWT(s.idpKey, tok, s.now())
	if err != nil {
		return c, err
	}
	if c.Iss != idpIssuer || !c.hasAudience(s.identityAudience()) {
		return c, errors.New("wrong issuer or audience")
	}
	if c.Sub == "" {
		return c, errors.New("no subject")
	}
	return c, nil
}

// IssuePPMTokenWithLeft returns a PPM token for subject as the exchange
// would have issued it TokenLifetime − left ago, so that it has left to go
// now: what a store holds late in a token's life. The repositories accept
// it until it expires. With tokens that never expire, left is ignored.
func (s *Server) IssuePPMTokenWithLeft(subject string, left time.Duration) string {
	at := s.now()
	if s.opts.TokenLifetime > 0 {
		at = at.Add(left - s.opts.TokenLifetime)
	}
	tok, _ := s.issuePPMTokenAt(subject, at)
	return tok
}

// issuePPMToken returns a new PPM token for subject and its expiry (zero
// when the token has no exp claim).
func (s *Server) issuePPMToken(subject string) (string, time.Time) {
	return s.issuePPMTokenAt(subject, s.now())
}

// issuePPMTokenAt is issuePPMToken issued at now.
func (s *Server) issuePPMTokenAt(subject string, now time.Time) (string, time.Time) {
	s.mu.Lock()
	s.serial++
	// jti makes every token distinct (two issued in one second would
	// otherwise be equal) and lets RevokeAll name them.
	jti := fmt.Sprintf("t%d-%s", s.serial, hex.EncodeToString(randomBytes(6)))
	s.live = append(s.live, jti)
	s.mu.Unlock()
	c := map[string]any{"aud": ppmAud, "iss": ppmIssuer, "sub": subject, "iat": now.Unix(), "jti": jti}
	var exp time.Time
	if s.opts.TokenLifetime > 0 {
		exp = now.Add(s.opts.TokenLifetime)
		c["exp"] = exp.Unix()
	}
	return s.remember(signJWT(s.ppmKey, c)), exp
}

// IssuePPMToken returns a PPM token for subject, as an exchange would issue
// it (Options.TokenLifetime), without one: for tests that put a token in a
// store themselves.
func (s *Server) IssuePPMToken(subject string) string {
	tok, _ := s.issuePPMToken(subject)
	return tok
}

// checkPPMToken is what the repositories accept as the Basic password.
func (s *Server) checkPPMToken(tok string) (claims, error) {
	c, err := verifyJWT(s.ppmKey, tok, s.now())
	if err != nil {
		return c, err
	}
	if c.Iss != ppmIssuer || !c.hasAudience(ppmAud) {
		return c, errors.New("wrong issuer or audience")
	}
	s.mu.Lock()
	revoked := s.revoked[c.Jti]
	s.mu.Unlock()
	if revoked {
		return c, errors.New("revoked")
	}
	return c, nil
}
