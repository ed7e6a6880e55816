package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// PKCE (RFC 7636) binds the device flow to this process: the verifier
// stays here, the server gets its S256 challenge, and only the one who
// knows the verifier can collect the token.

// newVerifier returns a code verifier: 32 random bytes, base64url without
// padding, i.e. 43 characters of the unreserved set (RFC 7636 §4.1 and
// its recommendation of 32 octets).
func newVerifier() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("could not make a random PKCE verifier for the login (%v); try again", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// s256Challenge is the S256 code challenge of a verifier:
// BASE64URL(SHA256(ASCII(verifier))) without padding (RFC 7636 §4.2).
func s256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
