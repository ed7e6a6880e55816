package oauth

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON syntax under claims_scan.go: values skipped and checked as
// encoding/json's scanner checks them, strings decoded as it decodes them.

// maxDepth is encoding/json's nesting limit (the top-level object counts).
const maxDepth = 10000

func (sc *claimScanner) peek() byte {
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

func (sc *claimScanner) space() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *claimScanner) expect(c byte) {
	if sc.peek() != c {
		sc.ok = false
		return
	}
	sc.i++
}

func (sc *claimScanner) literal(word string) {
	if len(sc.s)-sc.i < len(word) || string(sc.s[sc.i:sc.i+len(word)]) != word {
		sc.ok = false
		return
	}
	sc.i += len(word)
}

// value skips one JSON value of any type, checking its syntax.
func (sc *claimScanner) value() {
	switch c := sc.peek(); {
	case c == '{' || c == '[':
		sc.container(c)
	case c == '"':
		sc.str()
	case c == '-' || ('0' <= c && c <= '9'):
		sc.number()
	case c == 't':
		sc.literal("true")
	case c == 'f':
		sc.literal("false")
	case c == 'n':
		sc.literal("null")
	default:
		sc.ok = false
	}
}

// container skips an object (open '{') or an array (open '[').
func (sc *claimScanner) container(open byte) {
	sc.i++
	if sc.depth++; sc.depth > maxDepth {
		sc.ok = false
		return
	}
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	sc.space()
	if sc.peek() == closing {
		sc.i++
		sc.depth--
		return
	}
	for sc.ok {
		if open == '{' {
			if sc.peek() != '"' {
				sc.ok = false
				return
			}
			sc.str()
			sc.space()
			sc.expect(':')
			sc.space()
		}
		sc.value()
		sc.space()
		switch sc.peek() {
		case ',':
			sc.i++
			sc.space()
		case closing:
			sc.i++
			sc.depth--
			return
		default:
			sc.ok = false
		}
	}
}

// number skips a JSON number and returns its text.
func (sc *claimScanner) number() []byte {
	start := sc.i
	if sc.peek() == '-' {
		sc.i++
	}
	switch c := sc.peek(); {
	case c == '0':
		sc.i++
	case '1' <= c && c <= '9':
		sc.digits()
	default:
		sc.ok = false
	}
	if sc.peek() == '.' {
		sc.i++
		sc.requireDigits()
	}
	if c := sc.peek(); c == 'e' || c == 'E' {
		sc.i++
		if c := sc.peek(); c == '+' || c == '-' {
			sc.i++
		}
		sc.requireDigits()
	}
	return sc.s[start:sc.i]
}

func (sc *claimScanner) digits() {
	for c := sc.peek(); '0' <= c && c <= '9'; c = sc.peek() {
		sc.i++
	}
}

func (sc *claimScanner) requireDigits() {
	start := sc.i
	sc.digits()
	if sc.i == start {
		sc.ok = false
	}
}

// str skips a JSON string (at its opening quote) and returns its raw
// content; plain means it has no escapes and is valid UTF-8.
func (sc *claimScanner) str() (raw []byte, plain bool) {
	sc.i++
	start, ascii, escaped := sc.i, true, false
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case c == '"':
			raw = sc.s[start:sc.i]
			sc.i++
			return raw, !escaped && (ascii || utf8.Valid(raw))
		case c == '\\':
			escaped = true
			sc.escape()
			if !sc.ok {
				return nil, false
			}
		case c < ' ':
			sc.ok = false
			return nil, false
		default:
			ascii = ascii && c < utf8.RuneSelf
			sc.i++
		}
	}
	sc.ok = false
	return nil, false
}

// escape checks the escape sequence at sc.i and skips it.
func (sc *claimScanner) escape() {
	sc.i++
	switch sc.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		sc.i++
	case 'u':
		if sc.i+5 > len(sc.s) || hex4(sc.s[sc.i+1:sc.i+5]) < 0 {
			sc.ok = false
			return
		}
		sc.i += 5
	default:
		sc.ok = false
	}
}

// decodedStr reads a JSON string (at its opening quote) and decodes it.
func (sc *claimScanner) decodedStr() string {
	raw, plain := sc.str()
	if plain {
		return string(raw)
	}
	return string(unquote(raw))
}

// hex4 is the value of four hex digits, or -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unquote decodes the content of a JSON string whose syntax is checked:
// escapes resolved, a \u surrogate pair joined, a lone surrogate and each
// byte of invalid UTF-8 replaced by U+FFFD.
func unquote(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+utf8.UTFMax)
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && raw[i+1] == 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if r = utf16.DecodeRune(r, r2); r != unicode.ReplacementChar {
					i += 6
				}
			}
			out = utf8.AppendRune(out, r)
		case c == '\\':
			out = append(out, unescape(raw[i+1]))
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				out = utf8.AppendRune(out, unicode.ReplacementChar)
			} else {
				out = append(out, raw[i:i+n]...)
			}
			i += n
		}
	}
	return out
}

// unescape is the byte a one-letter escape such as \n stands for.
func unescape(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\' and '/' stand for themselves
}
