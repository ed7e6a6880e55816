package protocol

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file spells text as Python does, so that what the keyring
// personality prints is byte for byte what keyring's CLI prints: repr()
// in usage errors, print() and json.dumps in answers.

// pyRepr quotes s as Python's repr() of a str does, so usage errors read
// like keyring's. Bytes that are not UTF-8 appear as Python shows argv's
// undecodable bytes (surrogateescape): \udcXX.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteByte(quote)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || (r > ' ' && r < 0x7f) || (r >= 0x80 && unicode.IsPrint(r)):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// WriteKeyringAnswer writes a found credential the way keyring's CLI
// prints it for cmd's --mode and --output, each form ending in a newline
// as Python's print() does:
//
//	plain, password mode: <password>
//	plain, creds mode:    <username> NL <password>
//	json, password mode:  {"password": "<password>"}
//	json, creds mode:     {"username": "<username>", "password": "<password>"}
//
// JSON is byte for byte what Python's json.dumps prints with its defaults
// (", " and ": " separators, ensure_ascii: every character outside
// printable ASCII as \uXXXX, surrogate pairs above U+FFFF). Plain output
// cannot carry a line break, so a username or password containing '\n' or
// '\r' is refused there; the error does not quote the value. Invalid
// UTF-8 is refused in both forms. cmd's Mode and Output must be the
// values ParseKeyringArgs gives.
func WriteKeyringAnswer(w io.Writer, cmd KeyringCommand, username, password string) error {
	if !utf8.ValidString(username) || !utf8.ValidString(password) {
		return fmt.Errorf("cannot print the credential: it is not valid UTF-8")
	}
	var out string
	switch cmd.Output {
	case "json":
		switch cmd.Mode {
		case "creds":
			out = `{"username": ` + pyJSONString(username) + `, "password": ` + pyJSONString(password) + "}\n"
		case "password":
			out = `{"password": ` + pyJSONString(password) + "}\n"
		}
	case "plain":
		if strings.ContainsAny(password, "\r\n") || (cmd.Mode == "creds" && strings.ContainsAny(username, "\r\n")) {
			return fmt.Errorf("cannot print the credential as plain lines: it contains a line break")
		}
		switch cmd.Mode {
		case "creds":
			out = username + "\n" + password + "\n"
		case "password":
			out = password + "\n"
		}
	}
	if out == "" {
		return fmt.Errorf("cannot print the credential: unknown keyring mode %q or output %q", cmd.Mode, cmd.Output)
	}
	_, err := io.WriteString(w, out)
	return err
}

// pyJSONString quotes s as Python's json.dumps does with ensure_ascii
// (its default): \" \\ \n \r \t \b \f, every other character outside
// ' '..'~' as \u00XX / \uXXXX, and characters above U+FFFF as a UTF-16
// surrogate pair. '/' is not escaped.
func pyJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
