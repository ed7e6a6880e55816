package qr

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTerminal: any text up to the capacity encodes (longer text is refused
// with ErrTooLong, never a panic), the symbol's format bits name its own
// mask, and the drawing is a rectangle of half blocks with a light border.
func FuzzTerminal(f *testing.F) {
	f.Add("https://ppm.example.com/__login__/device?code=ABCD-EFGH")
	f.Add("")
	f.Add("\x00\xff\n\r\x1b[2J")
	f.Add(strings.Repeat("x", 271))
	f.Add(strings.Repeat("x", 272))
	f.Fuzz(func(t *testing.T, text string) {
		code, err := Encode([]byte(text))
		if len(text) > Capacity(MaxVersion, L) {
			if err == nil {
				t.Fatalf("%d bytes encoded; want ErrTooLong", len(text))
			}
			return
		}
		if err != nil {
			t.Fatalf("%d bytes: %v", len(text), err)
		}
		rows := make([][]bool, code.Size)
		for y := range rows {
			rows[y] = make([]bool, code.Size)
			for x := range rows[y] {
				rows[y][x] = code.Dark(x, y)
			}
		}
		if m := formatMask(rows); m != code.Mask {
			t.Fatalf("format bits name mask %d; the symbol used %d", m, code.Mask)
		}
		lines := code.HalfBlocks(QuietZone)
		cols := code.Size + 2*QuietZone
		if len(lines) != (cols+1)/2 {
			t.Fatalf("%d lines for %d module rows", len(lines), cols)
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
