package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Claims are the JWT claims this helper reads. Times are zero when absent.
type Claims struct {
	Subject  string
	Issuer   string
	Audience []string
	IssuedAt time.Time
	Expiry   time.Time
}

// maxJWT bounds what ParseClaims decodes; PPM tokens are well under 4 KiB.
const maxJWT = 64 << 10

// maxNumericDate bounds exp and iat (year 5138): beyond it a date is not a
// token's.
const maxNumericDate = 1e11

var errNotJWT = errors.New("not a JWT")

// ErrInvalidExpiry is wrapped by ParseClaims' error when the exp claim is
// present but not a positive number of seconds: null, a string, a
// boolean, zero, negative, or absurdly far away. Such a token must be
// treated as expired, never as one that does not expire; the returned
// Claims still carry the other claims.
var ErrInvalidExpiry = errors.New("exp is not a valid time")

// ParseClaims decodes a JWT's payload with encoding/json, without checking
// its signature (the server checks; the helper only needs exp, iat, sub,
// iss and aud). It fails when the token is not a JWT (three segments, a
// base64url payload holding a JSON object) or when exp is present but not
// a valid time (ErrInvalidExpiry). The other claims are read when they
// have the type RFC 7519 gives them and left empty otherwise: aud may be a
// string or a list of strings, exp and iat integer or fractional numbers.
// Claim names match as encoding/json matches struct fields (ASCII case
// folded; the last of duplicate keys wins). Errors never quote the token.
func ParseClaims(jwt string) (Claims, error) {
	if len(jwt) > maxJWT {
		return Claims{}, fmt.Errorf("%w: over %d KiB", errNotJWT, maxJWT>>10)
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("%w: %d segments instead of 3", errNotJWT, len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: the payload is not base64url", errNotJWT)
	}
	var raw struct {
		Sub, Iss, Aud, Iat, Exp json.RawMessage
	}
	if !bytes.HasPrefix(bytes.TrimLeft(payload, " \t\r\n"), []byte("{")) || json.Unmarshal(payload, &raw) != nil {
		return Claims{}, fmt.Errorf("%w: the payload is not a JSON object of claims", errNotJWT)
	}
	var c Claims
	_ = json.Unmarshal(raw.Sub, &c.Subject)
	_ = json.Unmarshal(raw.Iss, &c.Issuer)
	c.Audience = audience(raw.Aud)
	if raw.Iat != nil {
		c.IssuedAt, _ = numericDate(raw.Iat)
	}
	if raw.Exp != nil {
		exp, err := numericDate(raw.Exp)
		if err != nil {
			return c, fmt.Errorf("%w: %w", ErrInvalidExpiry, err)
		}
		c.Expiry = exp
	}
	return c, nil
}

// audience reads aud: a string, or a list of strings; anything else is
// none.
func audience(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil && raw != nil && string(raw) != "null" {
		return []string{one}
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return nil
}

// numericDate reads a JWT NumericDate: a positive number of seconds,
// maybe fractional, up to maxNumericDate.
func numericDate(raw json.RawMessage) (time.Time, error) {
	s := string(raw)
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		if s == "null" {
			return time.Time{}, errors.New("it is null")
		}
		return time.Time{}, errors.New("it is not a number")
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsInf(f, 0) || f > maxNumericDate:
		return time.Time{}, errors.New("it is out of range")
	case f <= 0:
		return time.Time{}, errors.New("it is not positive")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
