package tomlfile

import (
	"strings"
	"unicode/utf8"
)

// This file reads the pieces of a document that have no structure of
// their own: white space, comments, line ends, keys and strings.

// parser reads src from pos. Errors panic with a *ParseError, which
// Decode recovers; nothing else is recovered.
type parser struct {
	src   string
	pos   int
	depth int // arrays and inline tables open at pos
}

// maxDepth bounds how deep arrays and inline tables nest: the parser
// recurses for each, and a file of nothing but '[' must end in an error,
// not in a stack overflow (which no recover catches).
const maxDepth = 1000

// enter opens an array or inline table at pos; leave closes it.
func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.pos, errLimit, "arrays and inline tables are nested over %d deep", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) fail(off int, kind errKind, format string, args ...any) {
	panic(errorAt(p.src, off, kind, format, args...))
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

// peek returns the byte at pos, 0 at the end.
func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// newline consumes "\n" or "\r\n" and reports whether there was one.
func (p *parser) newline() bool {
	if strings.HasPrefix(p.src[p.pos:], "\n") {
		p.pos++
		return true
	}
	if strings.HasPrefix(p.src[p.pos:], "\r\n") {
		p.pos += 2
		return true
	}
	return false
}

// comment consumes a comment, from '#' up to (not including) the line end.
func (p *parser) comment() {
	p.pos++
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\n' || c == '\r' && strings.HasPrefix(p.src[p.pos:], "\r\n"):
			return
		case c == '\t' || c >= 0x20 && c < 0x7f:
			p.pos++
		default:
			p.char(false)
		}
	}
}

// char consumes one character that is not printable ASCII inside a
// comment or string: valid UTF-8 passes, control characters are refused
// (tab, and line ends when newlines is set, are allowed).
func (p *parser) char(newlines bool) {
	c := p.src[p.pos]
	switch {
	case c == '\t':
	case c == '\n' && newlines:
	case c == '\r' && newlines && strings.HasPrefix(p.src[p.pos:], "\r\n"):
		p.pos++
	case c == '\n' || c == '\r' && strings.HasPrefix(p.src[p.pos:], "\r\n"):
		p.fail(p.pos, errSyntax, "strings cannot contain newlines; end the string on this line, or use \"\"\" for several lines")
	case c < 0x20 || c == 0x7f:
		p.fail(p.pos, errSyntax, "control character U+%04X is not allowed here (only as an escape in a \"string\")", c)
	case c >= 0x80:
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if r == utf8.RuneError && n == 1 {
			p.fail(p.pos, errSyntax, "invalid UTF-8 (byte 0x%02x); TOML files must be UTF-8", c)
		}
		p.pos += n
		return
	}
	p.pos++
}

// skipBlank skips white space, line ends and comments (inside arrays and
// inline tables).
func (p *parser) skipBlank() {
	for {
		p.skipSpace()
		switch {
		case p.peek() == '#':
			p.comment()
		case p.newline():
		default:
			return
		}
	}
}

// lineEnd consumes the rest of a line after a key/value pair or a table
// header: white space, a comment, then a line end or the end of the file.
func (p *parser) lineEnd() {
	p.skipSpace()
	if p.peek() == '#' {
		p.comment()
	}
	if !p.eof() && !p.newline() {
		p.fail(p.pos, errSyntax, "expected the end of the line, found %s", p.what())
	}
}

// what describes the character at pos for an error message: one quoted
// character at most, never a piece of a value.
func (p *parser) what() string {
	if p.eof() {
		return "the end of the file"
	}
	c := p.src[p.pos]
	switch {
	case c == '\n' || c == '\r':
		return "the end of the line"
	case c > 0x20 && c < 0x7f:
		return "'" + string(c) + "'"
	}
	return "a control or non-ASCII character"
}

func isBare(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// key reads a dotted key (a, "a b".c, 'x'.y) into parts, reusing its
// storage.
func (p *parser) key(parts []string) []string {
	parts = parts[:0]
	for {
		p.skipSpace()
		start := p.pos
		switch c := p.peek(); {
		case c == '"':
			if strings.HasPrefix(p.src[p.pos:], `"""`) {
				p.fail(p.pos, errSyntax, "a key cannot be a multi-line string")
			}
			parts = append(parts, p.basicString())
		case c == '\'':
			if strings.HasPrefix(p.src[p.pos:], `'''`) {
				p.fail(p.pos, errSyntax, "a key cannot be a multi-line string")
			}
			parts = append(parts, p.literalString())
		case isBare(c):
			for p.pos < len(p.src) && isBare(p.src[p.pos]) {
				p.pos++
			}
			parts = append(parts, p.src[start:p.pos])
		default:
			p.fail(p.pos, errSyntax, "expected a key, found %s", p.what())
		}
		p.skipSpace()
		if p.peek() != '.' {
			return parts
		}
		p.pos++
	}
}

// basicString reads a "string" with escapes.
func (p *parser) basicString() string {
	p.pos++
	start := p.pos
	var b []byte // nil until the first escape
	for {
		if p.eof() {
			p.fail(p.pos, errSyntax, "the string has no closing quote")
		}
		switch c := p.src[p.pos]; {
		case c == '"':
			s := p.src[start:p.pos]
			p.pos++
			if b != nil {
				return string(append(b, s...))
			}
			return s
		case c == '\\':
			b = append(b, p.src[start:p.pos]...)
			b = p.escape(b)
			start = p.pos
		case c >= 0x20 && c < 0x7f:
			p.pos++
		default:
			p.char(false)
		}
	}
}

// escape reads the escape at pos (a backslash and what follows) and
// appends what it stands for to b.
func (p *parser) escape(b []byte) []byte {
	at := p.pos
	p.pos++
	if p.eof() {
		p.fail(at, errSyntax, "the string has no closing quote")
	}
	c := p.src[p.pos]
	p.pos++
	switch c {
	case 'b':
		return append(b, '\b')
	case 't':
		return append(b, '\t')
	case 'n':
		return append(b, '\n')
	case 'f':
		return append(b, '\f')
	case 'r':
		return append(b, '\r')
	case 'e':
		return append(b, 0x1b)
	case '"', '\\':
		return append(b, c)
	case 'x', 'u', 'U':
		n := 2
		switch c {
		case 'u':
			n = 4
		case 'U':
			n = 8
		}
		var r rune
		for i := 0; i < n; i++ {
			if p.eof() || !isHex(p.src[p.pos]) {
				p.fail(at, errSyntax, "invalid escape '\\%c' in a string: it needs %d hexadecimal digits", c, n)
			}
			r = r<<4 | rune(unhex(p.src[p.pos]))
			p.pos++
		}
		if !utf8.ValidRune(r) {
			p.fail(at, errSyntax, "the escape at this point is not a Unicode scalar value (U+%04X)", r)
		}
		return utf8.AppendRune(b, r)
	}
	if c > 0x20 && c < 0x7f {
		p.fail(at, errSyntax, "invalid escape '\\%c' in a string; write a backslash as \\\\", c)
	}
	p.fail(at, errSyntax, "invalid escape in a string; write a backslash as \\\\")
	return nil
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// literalString reads a 'string' (no escapes).
func (p *parser) literalString() string {
	p.pos++
	start := p.pos
	for {
		if p.eof() {
			p.fail(p.pos, errSyntax, "the string has no closing quote")
		}
		switch c := p.src[p.pos]; {
		case c == '\'':
			p.pos++
			return p.src[start : p.pos-1]
		case c >= 0x20 && c < 0x7f:
			p.pos++
		default:
			p.char(false)
		}
	}
}

// multiline reads a multi-line string: basic (""", with escapes) or
// literal (three single quotes, none).
// A line end right after the opening quotes is dropped; in a basic one, a
// backslash at the end of a line drops it and the white space after it.
func (p *parser) multiline(quote byte, basic bool) string {
	open := p.pos
	p.pos += 3
	p.newline()
	start := p.pos
	var b []byte
	for {
		if p.eof() {
			p.fail(open, errSyntax, "the multi-line string has no closing quotes")
		}
		switch c := p.src[p.pos]; {
		case c == quote:
			n := 0
			for p.pos+n < len(p.src) && p.src[p.pos+n] == quote && n < 6 {
				n++
			}
			if n < 3 {
				p.pos += n
				continue
			}
			if n == 6 {
				p.fail(p.pos, errSyntax, "too many quotes at the end of a multi-line string")
			}
			s := p.src[start : p.pos+n-3]
			p.pos += n
			if b != nil {
				return string(append(b, s...))
			}
			return s
		case c == '\\' && basic:
			b = append(b, p.src[start:p.pos]...)
			if !p.lineEndBackslash() {
				b = p.escape(b)
			}
			start = p.pos
		case c >= 0x20 && c < 0x7f:
			p.pos++
		default:
			p.char(true)
		}
	}
}

// lineEndBackslash consumes a backslash followed by white space up to a
// line end, and all white space and line ends after it; false (nothing
// consumed) when the backslash is an ordinary escape.
func (p *parser) lineEndBackslash() bool {
	i := p.pos + 1
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	if !strings.HasPrefix(p.src[i:], "\n") && !strings.HasPrefix(p.src[i:], "\r\n") {
		return false
	}
	p.pos = i
	for {
		p.skipSpace()
		if !p.newline() {
			return true
		}
	}
}
