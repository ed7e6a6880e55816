// Package termtext makes text safe to show to a person on a terminal.
//
// Text that came from elsewhere (a server's error description, a JWT
// subject, a file name) may carry escape sequences that retitle or clear
// the terminal, or line breaks that forge a line of output. Escape turns
// every such character into a visible escape, so what is printed is
// exactly one line of the characters that were there.
package termtext

import (
	"strings"
	"unicode/utf8"
)

// Escape returns s with every character a terminal would act on rather
// than show replaced by a visible escape:
//   - newline, carriage return and tab become \n, \r and \t;
//   - other C0 controls, DEL and the C1 controls (U+0080–U+009F, which
//     some terminals read as ESC sequences) become \xNN or \u00NN;
//   - characters that reorder or hide text (bidirectional overrides and
//     isolates, U+200E/U+200F, U+061C) and the Unicode line and paragraph
//     separators become \uNNNN;
//   - bytes that are not UTF-8 become \xNN.
//
// Everything else, backslashes included, is kept as it is: the result is
// for reading, not for parsing back. Text without such characters is
// returned unchanged (and not copied).
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			writeHex(&b, `\x`, uint32(s[i]), 2)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			writeHex(&b, `\x`, uint32(r), 2)
		case unsafeRune(r):
			writeHex(&b, `\u`, uint32(r), 4)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the byte offset of the first character Escape
// changes, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports the non-ASCII characters Escape escapes.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // bidi marks
		return true
	case r >= 0x202a && r <= 0x202e: // bidi embeddings and overrides
		return true
	case r >= 0x2066 && r <= 0x2069: // bidi isolates
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

const hexDigits = "0123456789abcdef"

func writeHex(b *strings.Builder, prefix string, v uint32, width int) {
	b.WriteString(prefix)
	for shift := (width - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(v>>uint(shift))&0xf])
	}
}
