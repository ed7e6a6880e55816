// Package qr encodes short texts (URLs) as QR code symbols (ISO/IEC 18004)
// and draws them on a terminal with Unicode half blocks.
//
// The encoder covers what a device-flow verification URL needs and no more:
// byte mode only, error-correction levels L and M, versions 1 to 10 (up to
// 271 bytes at level L), and the mask chosen by the standard's penalty rules.
package qr

import (
	"errors"
	"fmt"
)

// Level is an error-correction level.
type Level int

// The error-correction levels this package encodes.
const (
	L Level = iota // recovers about 7% of the codewords
	M              // recovers about 15% of the codewords
)

// String returns the level's letter.
func (l Level) String() string {
	switch l {
	case L:
		return "L"
	case M:
		return "M"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// MaxVersion is the largest symbol version Encode produces (57×57 modules).
const MaxVersion = 10

// ErrTooLong is returned for data that no version up to MaxVersion holds.
var ErrTooLong = errors.New("too long for a QR code of version 10 or less")

// Code is one QR code symbol: Size×Size modules, without the quiet zone.
type Code struct {
	Version int   // 1 to MaxVersion
	Level   Level // error-correction level
	Mask    int   // mask pattern 0 to 7
	Size    int   // modules per side, 17 + 4×Version
	dark    []bool
}

// Dark reports whether the module in column x, row y is dark. Modules
// outside the symbol (the quiet zone) are light.
func (c *Code) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
		return false
	}
	return c.dark[y*c.Size+x]
}

// blockSpec is one row of the standard's error-correction table: ec
// codewords per block, then blocks of data1 and of data2 (= data1+1)
// data codewords.
type blockSpec struct {
	ec, blocks1, data1, blocks2 int
}

// ecTable[level][version-1].
var ecTable = [2][MaxVersion]blockSpec{
	L: {
		{7, 1, 19, 0}, {10, 1, 34, 0}, {15, 1, 55, 0}, {20, 1, 80, 0}, {26, 1, 108, 0},
		{18, 2, 68, 0}, {20, 2, 78, 0}, {24, 2, 97, 0}, {30, 2, 116, 0}, {18, 2, 68, 2},
	},
	M: {
		{10, 1, 16, 0}, {16, 1, 28, 0}, {26, 1, 44, 0}, {18, 2, 32, 0}, {24, 2, 43, 0},
		{16, 4, 27, 0}, {18, 4, 31, 0}, {22, 2, 38, 2}, {22, 3, 36, 2}, {26, 4, 43, 1},
	},
}

// dataCodewords is the number of data codewords of a version and level.
func dataCodewords(version int, level Level) int {
	b := ecTable[level][version-1]
	return b.blocks1*b.data1 + b.blocks2*(b.data1+1)
}

// countBits is the width of the byte-mode character count.
func countBits(version int) int {
	if version <= 9 {
		return 8
	}
	return 16
}

// Capacity is how many bytes a symbol of the version and level holds.
func Capacity(version int, level Level) int {
	return (dataCodewords(version, level)*8 - 4 - countBits(version)) / 8
}

// Encode encodes data in byte mode in the smallest version that holds it at
// level L, raised to level M when M still fits that version: the smallest
// symbol, with the best correction it can afford.
func Encode(data []byte) (*Code, error) {
	for v := 1; v <= MaxVersion; v++ {
		if len(data) > Capacity(v, L) {
			continue
		}
		level := L
		if len(data) <= Capacity(v, M) {
			level = M
		}
		return encode(data, v, level, -1), nil
	}
	return nil, fmt.Errorf("%d bytes: %w", len(data), ErrTooLong)
}

// EncodeWith encodes data at the given level in the given version, or the
// smallest that holds it when version is 0, with the given mask pattern,
// or the one with the lowest penalty when mask is -1.
func EncodeWith(data []byte, version int, level Level, mask int) (*Code, error) {
	if level != L && level != M {
		return nil, fmt.Errorf("error-correction level %v is not supported; use L or M", level)
	}
	if mask < -1 || mask > 7 {
		return nil, fmt.Errorf("mask %d is not 0 to 7 (or -1 to choose)", mask)
	}
	if version < 0 || version > MaxVersion {
		return nil, fmt.Errorf("version %d is not 1 to %d (or 0 to choose)", version, MaxVersion)
	}
	if version == 0 {
		for version = 1; version < MaxVersion && len(data) > Capacity(version, level); version++ {
		}
	}
	if len(data) > Capacity(version, level) {
		return nil, fmt.Errorf("%d bytes at level %v in version %d (holds %d): %w", len(data), level, version, Capacity(version, level), ErrTooLong)
	}
	return encode(data, version, level, mask), nil
}

func encode(data []byte, version int, level Level, mask int) *Code {
	words := codewords(data, version, level)
	return newMatrix(version, level, words, mask)
}

// bitWriter appends bits most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) write(v uint, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.buf[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// codewords is the final sequence: the data codewords (mode, count, data,
// terminator, padding) split into blocks, each with its Reed–Solomon
// codewords, interleaved as the standard places them.
func codewords(data []byte, version int, level Level) []byte {
	total := dataCodewords(version, level)
	w := &bitWriter{}
	w.write(0b0100, 4) // byte mode
	w.write(uint(len(data)), countBits(version))
	for _, b := range data {
		w.write(uint(b), 8)
	}
	if rest := total*8 - w.n; rest > 0 {
		w.write(0, min(4, rest)) // terminator
	}
	if w.n%8 != 0 {
		w.write(0, 8-w.n%8)
	}
	for pad := byte(0xEC); len(w.buf) < total; pad ^= 0xEC ^ 0x11 {
		w.buf = append(w.buf, pad)
	}

	spec := ecTable[level][version-1]
	gen := generator(spec.ec)
	var dataBlocks, ecBlocks [][]byte
	rest := w.buf
	for i := 0; i < spec.blocks1+spec.blocks2; i++ {
		n := spec.data1
		if i >= spec.blocks1 {
			n++
		}
		dataBlocks = append(dataBlocks, rest[:n])
		ecBlocks = append(ecBlocks, remainder(rest[:n], gen))
		rest = rest[n:]
	}
	var out []byte
	for i := 0; i <= spec.data1; i++ {
		for _, b := range dataBlocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := 0; i < spec.ec; i++ {
		for _, b := range ecBlocks {
			out = append(out, b[i])
		}
	}
	return out
}

// Arithmetic in GF(256) modulo x⁸+x⁴+x³+x²+1, through log tables.
var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// generator is the Reed–Solomon generator polynomial of the given degree,
// (x−α⁰)(x−α¹)…(x−α^(n−1)), its coefficients highest power first, the
// leading 1 left out.
func generator(n int) []byte {
	g := []byte{1}
	for i := 0; i < n; i++ {
		next := make([]byte, len(g)+1)
		for j, c := range g {
			next[j] ^= c
			next[j+1] ^= gfMul(c, gfExp[i])
		}
		g = next
	}
	return g[1:]
}

// remainder is data·x^n mod the generator: the error-correction codewords.
func remainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, d := range data {
		f := d ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i, g := range gen {
			r[i] ^= gfMul(g, f)
		}
	}
	return r
}
