package qr_test

import (
	"strings"
	"testing"

	rscqr "rsc.io/qr"

	"github.com/posit-dev/git-credential-ppm/internal/qr"
)

// formatInfo reads the error-correction level and mask pattern from the
// format bits beside the top left finder (ISO/IEC 18004 §7.9): column 8 of
// rows 0–5, 7 and 8, then row 8 of columns 7 and 5–0, unmasked with 0x5412.
func formatInfo(code *rscqr.Code) (level string, mask int) {
	bits := 0
	set := func(i, x, y int) {
		if code.Black(x, y) {
			bits |= 1 << i
		}
	}
	for i := 0; i <= 5; i++ {
		set(i, 8, i)
	}
	set(6, 8, 7)
	set(7, 8, 8)
	set(8, 7, 8)
	for i := 9; i < 15; i++ {
		set(i, 14-i, 8)
	}
	bits ^= 0x5412
	return [4]string{"M", "L", "H", "Q"}[bits>>13&3], bits >> 10 & 7
}

func level(code *rscqr.Code) string {
	l, _ := formatInfo(code)
	return l
}

// TestEncodeChoosesSmallestThenBoosts: the smallest version that holds the
// text at level L, at level M when M fits that version too (the standard's
// byte-mode capacities: 1-M 14, 1-L 17, 4-M 62, 4-L 78, 10-L 271, 40-L 2953).
func TestEncodeChoosesSmallestThenBoosts(t *testing.T) {
	for _, c := range []struct {
		n       int
		version int
		level   string
	}{
		{1, 1, "M"}, {14, 1, "M"}, {15, 1, "L"}, {17, 1, "L"}, {18, 2, "M"},
		{55, 4, "M"}, {62, 4, "M"}, {63, 4, "L"}, {78, 4, "L"}, {79, 5, "M"},
		{150, 7, "L"}, {213, 9, "L"}, {231, 10, "L"}, {271, 10, "L"}, {272, 11, "L"},
		{2953, 40, "L"},
	} {
		code, err := qr.Encode(strings.Repeat("a", c.n))
		if err != nil {
			t.Fatalf("%d bytes: %v", c.n, err)
		}
		if got := level(code); code.Size != 17+4*c.version || got != c.level {
			t.Errorf("%d bytes: %d modules, level %s; want version %d (%d modules), level %s", c.n, code.Size, got, c.version, 17+4*c.version, c.level)
		}
	}
	if _, err := qr.Encode(strings.Repeat("a", 2954)); err == nil {
		t.Error("2954 bytes encoded; want an error (more than version 40 holds)")
	}
}
