package oauth

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// This file reads a JWT payload without encoding/json: the first
// json.Unmarshal of a struct type builds reflection caches and touches many
// pages of code, which a cold `get` pays for on every run. The scanner gives
// the answers json.Unmarshal gives for ParseClaims' struct (claims_scan_test.go
// fuzzes it against the encoding/json version kept as an oracle): the whole
// payload must be valid JSON (nesting at most 10000 deep, as encoding/json
// allows); keys match claim names case-insensitively, as encoding/json
// matches struct fields; the last of duplicate keys wins; null leaves a
// string claim as it was and clears a number claim; a claim of the wrong
// type is an error, the first such claim being the one reported; strings
// are decoded with invalid UTF-8 and lone surrogates replaced by U+FFFD.

// payloadClaims is what the scanner found: raw claims before interpretation.
type payloadClaims struct {
	sub, iss         string
	aud              []byte // the raw JSON value of aud; nil when absent
	iat, exp         float64
	hasIat, hasExp   bool
	firstTypeErrName string // the first claim whose value has the wrong type
}

// claimScanner walks one JSON text; ok turns false at the first syntax error.
type claimScanner struct {
	s     []byte
	i     int
	depth int
	ok    bool
}

// The claims ParseClaims reads, in the order of claimNames.
const (
	claimSub = iota
	claimIss
	claimAud
	claimIat
	claimExp
)

// claimNames are the claim names folded as encoding/json folds field names.
var claimNames = [...]string{"SUB", "ISS", "AUD", "IAT", "EXP"}

// scanPayload reads a payload the way json.Unmarshal reads it into
// ParseClaims' struct. ok is false when the payload is not valid JSON or is
// valid JSON but neither an object nor null (both are the same error).
func scanPayload(p []byte) (c payloadClaims, ok bool) {
	sc := claimScanner{s: p, ok: true}
	sc.space()
	if sc.i < len(p) && p[sc.i] == 'n' {
		sc.literal("null")
	} else if sc.i < len(p) && p[sc.i] == '{' {
		sc.claimsObject(&c)
	} else {
		return payloadClaims{}, false
	}
	sc.space()
	if !sc.ok || sc.i != len(p) {
		return payloadClaims{}, false
	}
	return c, true
}

// claimsObject reads the top-level object, keeping the claims it knows.
func (sc *claimScanner) claimsObject(c *payloadClaims) {
	sc.i++ // '{'
	sc.depth = 1
	sc.space()
	if sc.peek() == '}' {
		sc.i++
		return
	}
	for sc.ok {
		if sc.peek() != '"' {
			sc.ok = false
			return
		}
		key, plain := sc.str()
		name := claimIndex(key, plain)
		sc.space()
		sc.expect(':')
		sc.space()
		if !sc.ok {
			return
		}
		sc.claimValue(c, name)
		sc.space()
		switch sc.peek() {
		case ',':
			sc.i++
			sc.space()
		case '}':
			sc.i++
			return
		default:
			sc.ok = false
		}
	}
}

// claimValue reads the value of a top-level member whose key is claim name
// (-1 for one ParseClaims ignores).
func (sc *claimScanner) claimValue(c *payloadClaims, name int) {
	ch := sc.peek()
	typeErr := false
	switch {
	case name < 0:
		sc.value()
	case name == claimAud:
		start := sc.i
		sc.value()
		c.aud = sc.s[start:sc.i]
	case ch == 'n':
		sc.literal("null")
		if name == claimIat {
			c.hasIat = false
		} else if name == claimExp {
			c.hasExp = false
		}
	case name == claimSub || name == claimIss:
		if ch != '"' {
			typeErr = true
			sc.value()
		} else if v := sc.decodedStr(); name == claimSub {
			c.sub = v
		} else {
			c.iss = v
		}
	case ch == '-' || ('0' <= ch && ch <= '9'):
		f, err := strconv.ParseFloat(string(sc.number()), 64)
		typeErr = err != nil
		if name == claimIat {
			c.iat, c.hasIat = f, true
		} else {
			c.exp, c.hasExp = f, true
		}
	default: // iat or exp that is not a number
		typeErr = true
		sc.value()
	}
	if typeErr && c.firstTypeErrName == "" {
		c.firstTypeErrName = [...]string{"sub", "iss", "aud", "iat", "exp"}[name]
	}
}

// claimIndex is the claim a key names, or -1. plain means the raw key needs
// no decoding (no escapes, valid UTF-8).
func claimIndex(raw []byte, plain bool) int {
	key := raw
	if !plain {
		key = unquote(raw)
	}
	for n, name := range claimNames {
		if foldedEqual(key, name) {
			return n
		}
	}
	return -1
}

// foldedEqual reports whether key folds to upper (ASCII capitals) the way
// encoding/json folds a key to find a struct field: ASCII letters to upper
// case, any other rune to the smallest rune of its case-folding orbit (so
// "ſub", with a long s, is sub).
func foldedEqual(key []byte, upper string) bool {
	j := 0
	for i := 0; i < len(key); {
		r, n := rune(key[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(key[i:])
			for r2 := unicode.SimpleFold(r); r2 < r; r2 = unicode.SimpleFold(r) {
				r = r2
			}
		} else if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		if j >= len(upper) || r != rune(upper[j]) {
			return false
		}
		i, j = i+n, j+1
	}
	return j == len(upper)
}

// audience interprets aud's raw value as json.Unmarshal would into a string
// and then into a []string: ok is false when it is neither.
func audience(raw []byte) (aud []string, ok bool) {
	sc := claimScanner{s: raw, ok: true}
	switch raw[0] {
	case '"':
		return []string{sc.decodedStr()}, true
	case '[':
		sc.i++
		sc.space()
		aud = []string{}
		if sc.peek() == ']' {
			return aud, true
		}
		for {
			switch sc.peek() {
			case '"':
				aud = append(aud, sc.decodedStr())
			case 'n':
				sc.literal("null")
				aud = append(aud, "")
			default:
				return nil, false
			}
			sc.space()
			if sc.peek() != ',' {
				return aud, true // raw is valid JSON: this is the closing ']'
			}
			sc.i++
			sc.space()
		}
	}
	return nil, false
}
