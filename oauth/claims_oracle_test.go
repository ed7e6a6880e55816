package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// parseClaimsJSON is ParseClaims as it was before claims_scan.go: the
// payload read by encoding/json. It is the oracle the scanner is fuzzed
// against (FuzzClaimsMatchJSON): same Claims, same error text.
func parseClaimsJSON(jwt string) (Claims, error) {
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
		Sub string          `json:"sub"`
		Iss string          `json:"iss"`
		Aud json.RawMessage `json:"aud"`
		Iat *float64        `json:"iat"`
		Exp *float64        `json:"exp"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "exp" {
			// Unmarshal went on past the bad exp: keep the subject.
			return Claims{Subject: raw.Sub}, fmt.Errorf("%w: the payload is not a JSON object of claims: %w", errNotJWT, ErrInvalidExpiry)
		}
		return Claims{}, fmt.Errorf("%w: the payload is not a JSON object of claims", errNotJWT)
	}
	c := Claims{Subject: raw.Sub, Issuer: raw.Iss}
	if len(raw.Aud) > 0 && string(raw.Aud) != "null" {
		var one string
		if json.Unmarshal(raw.Aud, &one) == nil {
			c.Audience = []string{one}
		} else if json.Unmarshal(raw.Aud, &c.Audience) != nil {
			return Claims{}, fmt.Errorf("%w: aud is neither a string nor a list of strings", errNotJWT)
		}
	}
	if c.IssuedAt, err = jsonNumericDate(raw.Iat, "iat"); err != nil {
		return Claims{}, err
	}
	if c.Expiry, err = jsonNumericDate(raw.Exp, "exp"); err != nil {
		return Claims{Subject: c.Subject}, fmt.Errorf("%w (%w)", err, ErrInvalidExpiry)
	}
	return c, nil
}

// jsonNumericDate is numericDate as it was, taking the claim as decoded.
func jsonNumericDate(v *float64, name string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	f := *v
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", errNotJWT, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
