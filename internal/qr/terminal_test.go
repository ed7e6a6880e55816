package qr_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posit-dev/git-credential-ppm/internal/qr"
	"github.com/posit-dev/git-credential-ppm/internal/testing/qrtest"
)

// urlOfLength is a verification URL of exactly n bytes.
func urlOfLength(n int) string {
	u := "https://ppm.example.com/__login__/device?code=ABCD-EFGH"
	if n <= len(u) {
		return u[:n]
	}
	u += "&state="
	for i := 0; len(u) < n; i++ {
		u += string("0123456789abcdefghijklmnopqrstuvwxyz"[i%36])
	}
	return u
}

// TestTerminalDecodesBack: what a terminal shows (light text on dark, and
// the reverse) decodes with zbarimg to exactly the URL, for short, typical,
// long (~150 bytes) and very long URLs (version 13, 69 modules), and fits
// in 80 columns with the full quiet zone.
func TestTerminalDecodesBack(t *testing.T) {
	qrtest.Zbarimg(t)
	for _, n := range []int{12, 40, 55, 100, 150, 200, 271, 400} {
		url := urlOfLength(n)
		lines, ok := qr.Terminal(url, 80)
		if !ok {
			t.Fatalf("%d bytes: no QR code for 80 columns", n)
		}
		code, _ := qr.Encode(url)
		cols := utf8.RuneCountInString(lines[0])
		if cols != code.Size+2*qr.QuietZone || cols > 80 || len(lines) != (cols+1)/2 {
			t.Errorf("%d bytes: %d columns × %d lines for %d modules; want %d columns (≤ 80) × %d lines", n, cols, len(lines), code.Size, code.Size+8, (code.Size+9)/2)
		}
		for i, l := range lines {
			if utf8.RuneCountInString(l) != cols || strings.Trim(l, "█▀▄ ") != "" {
				t.Fatalf("%d bytes: line %d is %q; want %d columns of half blocks", n, i, l, cols)
			}
		}
		for _, darkOnLight := range []bool{false, true} {
			if got := qrtest.Decode(t, lines, darkOnLight); got != url {
				t.Errorf("%d bytes (dark on light %v): decoded %q; want %q", n, darkOnLight, got, url)
			}
		}
		t.Logf("%3d bytes: version %2d-%v, %d modules, %d columns × %d lines", n, (code.Size-17)/4, level(code), code.Size, cols, len(lines))
	}
}

// TestTerminalQuietZoneAndBlocks: the border is light (blocks) on every
// side, the last line of an odd module count has a blank lower half, and a
// damaged picture does not decode (the decoder really reads the blocks).
func TestTerminalQuietZoneAndBlocks(t *testing.T) {
	url := urlOfLength(55)
	lines, _ := qr.Terminal(url, 80)
	if lines[0] != strings.Repeat("█", utf8.RuneCountInString(lines[0])) || lines[1][:3*4] != strings.Repeat("█", 4) {
		t.Errorf("top quiet zone: %q / %q", lines[0], lines[1])
	}
	last := lines[len(lines)-1]
	if last != strings.Repeat("▀", utf8.RuneCountInString(last)) {
		t.Errorf("last line %q; want the last quiet row in upper halves only", last)
	}
	broken := append([]string(nil), lines...)
	for i := 2; i < 8; i++ {
		broken[i] = strings.Repeat("█", utf8.RuneCountInString(lines[i])) // wipe the top finders' rows
	}
	if got, err := qrtest.Read(qrtest.Zbarimg(t), t.TempDir(), broken, false); err == nil {
		t.Errorf("a code with its top finder patterns wiped decoded to %q", got)
	}
}

func TestTerminalTooNarrow(t *testing.T) {
	url := urlOfLength(55) // 33 modules
	if lines, ok := qr.Terminal(url, 41); !ok || utf8.RuneCountInString(lines[0]) != 41 {
		t.Errorf("41 columns: %v; want the full quiet zone", ok)
	}
	if lines, ok := qr.Terminal(url, 36); !ok || utf8.RuneCountInString(lines[0]) != 35 {
		t.Errorf("36 columns: %v %d; want a quiet zone of one module (35 columns)", ok, len(lines))
	}
	if _, ok := qr.Terminal(url, 34); ok {
		t.Error("34 columns: drew a code; want none")
	}
	if _, ok := qr.Terminal(strings.Repeat("a", 556), 80); ok {
		t.Error("556 bytes (version 16, 81 modules) on 80 columns: drew a code; want none")
	}
	if _, ok := qr.Terminal(strings.Repeat("a", 2954), 1000); ok {
		t.Error("2954 bytes (more than version 40 holds) on 1000 columns: drew a code; want none")
	}
}

// BenchmarkTerminal: the cost a login pays to draw its code (a typical
// 55-byte URL, version 4, and a long one, version 10).
func BenchmarkTerminal(b *testing.B) {
	for _, n := range []int{55, 271} {
		url := urlOfLength(n)
		b.Run(fmt.Sprint(n, "bytes"), func(b *testing.B) {
			for b.Loop() {
				if _, ok := qr.Terminal(url, 80); !ok {
					b.Fatal("no code")
				}
			}
		})
	}
}
