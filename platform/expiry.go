package platform

import (
	"strconv"
	"strings"
	"time"
)

// A Store keeps one string per address. When the lifecycle knows times of
// a token that the token itself does not carry — an opaque token's expiry
// (expires_in) and issue time, or the time this machine received a token
// whose own iat its clock disagrees with — it stores the token in a small
// envelope,
//
//	<token>\nissued_at=<unix seconds>\nexpires_at=<unix seconds>
//
// (either line may be absent), which every store keeps as it keeps any
// value. A token never contains a line break (it travels in HTTP headers
// and git attributes), so the envelope cannot be mistaken for a token. The
// file store does not write the envelope into tokens.toml: there `token`
// stays the bare token that pak and rspm read, and the times go in keys of
// their own (issuedAtKey, expiresAtKey).

const (
	envelopeIssued = "issued_at"
	envelopeExpiry = "expires_at"
)

// The tokens.toml keys holding the stored times.
const (
	issuedAtKey  = envelopeIssued
	expiresAtKey = envelopeExpiry
)

// WithExpiry returns token in the envelope with exp; token alone when exp
// is zero.
func WithExpiry(token string, exp time.Time) string {
	return WithTimes(token, time.Time{}, exp)
}

// WithTimes returns token in the envelope with its issue time and expiry;
// a zero time is left out, and token alone is returned when both are.
func WithTimes(token string, issued, exp time.Time) string {
	if !issued.IsZero() && issued.Unix() > 0 {
		token += "\n" + envelopeIssued + "=" + strconv.FormatInt(issued.Unix(), 10)
	}
	if !exp.IsZero() && exp.Unix() > 0 {
		token += "\n" + envelopeExpiry + "=" + strconv.FormatInt(exp.Unix(), 10)
	}
	return token
}

// SplitExpiry undoes WithExpiry: the bare token and the expiry (zero when
// value is not an envelope).
func SplitExpiry(value string) (token string, exp time.Time) {
	token, _, exp = SplitTimes(value)
	return token, exp
}

// SplitTimes undoes WithTimes: the bare token, its issue time and its
// expiry (zero when absent). A value that is not exactly an envelope — a
// line that is not one of its keys with a positive number — is returned
// whole, with zero times.
func SplitTimes(value string) (token string, issued, exp time.Time) {
	token, rest, ok := strings.Cut(value, "\n")
	if !ok {
		return value, time.Time{}, time.Time{}
	}
	for line := range strings.SplitSeq(rest, "\n") {
		k, v, _ := strings.Cut(line, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return value, time.Time{}, time.Time{}
		}
		t := time.Unix(n, 0).UTC()
		switch {
		case k == envelopeIssued && issued.IsZero():
			issued = t
		case k == envelopeExpiry && exp.IsZero():
			exp = t
		default:
			return value, time.Time{}, time.Time{}
		}
	}
	return token, issued, exp
}

// entryToken is the value of a tokens.toml entry: its token, in the
// envelope when the entry has times of ours.
func entryToken(e map[string]any) string {
	tok := stringField(e, "token")
	return WithTimes(tok, entryTime(e, issuedAtKey), entryTime(e, expiresAtKey))
}

// entryTime reads a tokens.toml key holding unix seconds; zero when it is
// absent or not a positive integer.
func entryTime(e map[string]any, key string) time.Time {
	if n, ok := e[key].(int64); ok && n > 0 {
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// setEntryToken puts value into a tokens.toml entry: the bare token under
// "token", its times (if any) under issuedAtKey and expiresAtKey.
func setEntryToken(e map[string]any, value string) {
	tok, issued, exp := SplitTimes(value)
	e["token"] = tok
	for key, t := range map[string]time.Time{issuedAtKey: issued, expiresAtKey: exp} {
		if t.IsZero() {
			delete(e, key)
		} else {
			e[key] = t.Unix()
		}
	}
}
