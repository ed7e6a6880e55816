package oauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
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

var errNotJWT = errors.New("not a JWT")

// ErrInvalidExpiry is wrapped by ParseClaims' error when the exp claim is
// present but not a valid time: not a number (a string, a boolean), negative
// or absurdly far away. Such a token must be treated as expired, never as
// one that does not expire; the returned Claims still carry the subject.
var ErrInvalidExpiry = errors.New("exp is not a valid time")

// ParseClaims decodes a JWT's payload without checking its signature (the
// server checks; the helper only needs exp, iat and sub). aud may be a
// string or an array; exp and iat may be integer or fractional numbers.
// The payload is read as encoding/json would read it into a struct of these
// claims, by a scanner of our own (claims_scan.go) that a cold process runs
// far faster. Errors never quote the token.
func ParseClaims(jwt string) (Claims, error) {
	if len(jwt) > maxJWT {
		return Claims{}, fmt.Errorf("%w: over %d KiB", errNotJWT, maxJWT>>10)
	}
	first := strings.IndexByte(jwt, '.')
	second := -1
	if first >= 0 {
		second = strings.IndexByte(jwt[first+1:], '.')
	}
	if second < 0 || strings.IndexByte(jwt[first+1+second+1:], '.') >= 0 {
		return Claims{}, fmt.Errorf("%w: %d segments instead of 3", errNotJWT, strings.Count(jwt, ".")+1)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(jwt[first+1:first+1+second], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: the payload is not base64url", errNotJWT)
	}
	raw, ok := scanPayload(payload)
	if !ok {
		return Claims{}, fmt.Errorf("%w: the payload is not a JSON object of claims", errNotJWT)
	}
	if raw.firstTypeErrName == "exp" {
		// encoding/json went on past the bad exp: keep the subject.
		return Claims{Subject: raw.sub}, fmt.Errorf("%w: the payload is not a JSON object of claims: %w", errNotJWT, ErrInvalidExpiry)
	} else if raw.firstTypeErrName != "" {
		return Claims{}, fmt.Errorf("%w: the payload is not a JSON object of claims", errNotJWT)
	}
	c := Claims{Subject: raw.sub, Issuer: raw.iss}
	if raw.aud != nil && string(raw.aud) != "null" {
		if c.Audience, ok = audience(raw.aud); !ok {
			return Claims{}, fmt.Errorf("%w: aud is neither a string nor a list of strings", errNotJWT)
		}
	}
	if c.IssuedAt, err = numericDate(raw.iat, raw.hasIat, "iat"); err != nil {
		return Claims{}, err
	}
	if c.Expiry, err = numericDate(raw.exp, raw.hasExp, "exp"); err != nil {
		return Claims{Subject: c.Subject}, fmt.Errorf("%w (%w)", err, ErrInvalidExpiry)
	}
	return c, nil
}

// numericDate converts a JWT NumericDate (seconds, maybe fractional).
func numericDate(f float64, present bool, name string) (time.Time, error) {
	if !present {
		return time.Time{}, nil
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", errNotJWT, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
