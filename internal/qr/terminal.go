// Package qr draws QR codes on a terminal with Unicode half blocks, for a
// person to scan a device-flow verification URL with a phone. The symbol
// itself comes from rsc.io/qr; this package chooses its error-correction
// level, draws it with a quiet zone and checks that it fits the terminal.
package qr

import (
	"strings"

	"rsc.io/qr"
)

// QuietZone is the light margin, in modules, that the standard asks for
// around a symbol.
const QuietZone = 4

// The four characters a pair of module rows (top, bottom) is drawn with.
const (
	blockFull  = '█'
	blockUpper = '▀'
	blockLower = '▄'
	blockNone  = ' '
)

// Encode encodes text in the smallest symbol that holds it at level L,
// raised to level M when M still fits the same size: the smallest symbol,
// with the best correction it can afford. It fails for text that no QR
// version holds.
func Encode(text string) (*qr.Code, error) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return nil, err
	}
	if m, err := qr.Encode(text, qr.M); err == nil && m.Size == code.Size {
		code = m
	}
	return code, nil
}

// HalfBlocks draws the symbol with its quiet zone for a terminal, two module
// rows per line and one module per column, as lines without line ends:
// (Size+2·quiet) columns by ⌈(Size+2·quiet)/2⌉ lines.
//
// Light modules are drawn in the terminal's foreground colour (a block) and
// dark modules are left blank, so the code reads right on a terminal with
// light text on a dark background, the default of most terminals; on a dark-
// on-light terminal it shows in reverse, which QR readers that try the
// inverted image (ISO/IEC 18004 allows reflectance reversal) still decode.
// The quiet zone is drawn too, so the code stands out from whatever the
// terminal's background is. A last line holding one module row leaves its
// lower half blank.
func HalfBlocks(code *qr.Code, quiet int) []string {
	n := code.Size + 2*quiet
	light := func(x, y int) bool { return y < n && !code.Black(x-quiet, y-quiet) }
	lines := make([]string, 0, (n+1)/2)
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		b.Reset()
		for x := 0; x < n; x++ {
			top, bottom := light(x, y), light(x, y+1)
			switch {
			case top && bottom:
				b.WriteRune(blockFull)
			case top:
				b.WriteRune(blockUpper)
			case bottom:
				b.WriteRune(blockLower)
			default:
				b.WriteRune(blockNone)
			}
		}
		lines = append(lines, b.String())
	}
	return lines
}

// Terminal encodes text and draws it with HalfBlocks for a terminal of the
// given width in columns: the full quiet zone when it fits, else a
// narrower one down to a single module, else nothing (ok false).
func Terminal(text string, width int) (lines []string, ok bool) {
	code, err := Encode(text)
	if err != nil {
		return nil, false
	}
	for quiet := QuietZone; quiet >= 1; quiet-- {
		if code.Size+2*quiet <= width {
			return HalfBlocks(code, quiet), true
		}
	}
	return nil, false
}
