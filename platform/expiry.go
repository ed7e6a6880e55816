package platform

import (
	"strconv"
	"strings"
	"time"
)

// A Store keeps one string per address. When the lifecycle knows a
// token's expiry that the token itself does not carry (an opaque token
// issued with expires_in), it stores the token in a small envelope,
//
//	<token>\nexpires_at=<unix seconds>
//
// which every store keeps as it keeps any value. A token never contains a
// line break (it travels in HTTP headers and git attributes), so the
// envelope cannot be mistaken for a token. The file store does not write
// the envelope into tokens.toml: there `token` stays the bare token that
// pak and rspm read, and the expiry goes in a key of its own
// (expiresAtKey).

const envelopeExpiry = "\nexpires_at="

// expiresAtKey is the tokens.toml key holding a stored expiry.
const expiresAtKey = "expires_at"

// WithExpiry returns token in the envelope with exp; token alone when exp
// is zero.
func WithExpiry(token string, exp time.Time) string {
	if exp.IsZero() {
		return token
	}
	return token + envelopeExpiry + strconv.FormatInt(exp.Unix(), 10)
}

// SplitExpiry undoes WithExpiry: the bare token and the expiry (zero when
// value is not an envelope).
func SplitExpiry(value string) (token string, exp time.Time) {
	i := strings.LastIndex(value, envelopeExpiry)
	if i < 0 {
		return value, time.Time{}
	}
	n, err := strconv.ParseInt(value[i+len(envelopeExpiry):], 10, 64)
	if err != nil || n <= 0 || strings.ContainsAny(value[:i], "\r\n") {
		return value, time.Time{}
	}
	return value[:i], time.Unix(n, 0).UTC()
}

// entryToken is the value of a tokens.toml entry: its token, in the
// envelope when the entry has an expiry of ours.
func entryToken(e map[string]any) string {
	tok := stringField(e, "token")
	if n, ok := e[expiresAtKey].(int64); ok && n > 0 {
		return WithExpiry(tok, time.Unix(n, 0))
	}
	return tok
}

// setEntryToken puts value into a tokens.toml entry: the bare token under
// "token", its expiry (if any) under expiresAtKey.
func setEntryToken(e map[string]any, value string) {
	tok, exp := SplitExpiry(value)
	e["token"] = tok
	if exp.IsZero() {
		delete(e, expiresAtKey)
	} else {
		e[expiresAtKey] = exp.Unix()
	}
}
