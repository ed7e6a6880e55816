package qr_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posit-dev/git-credential-ppm/internal/qr"
)

// FuzzTerminal: any text a server could send as its verification URL is
// either drawn or refused (too long for the width), never a panic; a
// drawing is a rectangle of half blocks with a light border whose format
// bits name level L or M.
func FuzzTerminal(f *testing.F) {
	f.Add("https://ppm.example.com/__login__/device?code=ABCD-EFGH", 80)
	f.Add("", 80)
	f.Add("\x00\xff\n\r\x1b[2J", 25)
	f.Add("HTTPS://PPM.EXAMPLE.COM/ABCD-EFGH", 80)
	f.Add("0123456789", 21)
	f.Add(strings.Repeat("x", 271), 80)
	f.Add(strings.Repeat("x", 600), 200)
	f.Fuzz(func(t *testing.T, text string, width int) {
		if width > 400 || len(text) > 3000 {
			return
		}
		lines, ok := qr.Terminal(text, width)
		if !ok {
			return
		}
		code, err := qr.Encode(text)
		if err != nil {
			t.Fatalf("drawn, but Encode fails: %v", err)
		}
		if l := level(code); l != "L" && l != "M" {
			t.Fatalf("level %s; want L or M", l)
		}
		cols := utf8.RuneCountInString(lines[0])
		if cols > width || cols < code.Size+2 || cols > code.Size+2*qr.QuietZone || len(lines) != (cols+1)/2 {
			t.Fatalf("%d columns × %d lines for %d modules on %d columns", cols, len(lines), code.Size, width)
		}
		for i, l := range lines {
			if utf8.RuneCountInString(l) != cols || strings.Trim(l, "█▀▄ ") != "" {
				t.Fatalf("line %d: %q", i, l)
			}
			if r, _ := utf8.DecodeRuneInString(l); i > 0 && i < len(lines)-1 && r != '█' {
				t.Fatalf("line %d starts with %q; want the light quiet zone", i, r)
			}
		}
	})
}
