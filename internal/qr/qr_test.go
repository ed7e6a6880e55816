package qr

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testtool"
)

// The degree-7 generator polynomial, as exponents of α, from the standard's
// Annex A: x⁷ + α⁸⁷x⁶ + α²²⁹x⁵ + α¹⁴⁶x⁴ + α¹⁴⁹x³ + α²³⁸x² + α¹⁰²x + α²¹.
func TestGeneratorDegree7(t *testing.T) {
	want := []byte{87, 229, 146, 149, 238, 102, 21}
	g := generator(7)
	for i, c := range g {
		if gfLog[c] != want[i] {
			t.Fatalf("generator(7) exponents %v; want %v", logs(g), want)
		}
	}
}

func logs(p []byte) []byte {
	out := make([]byte, len(p))
	for i, c := range p {
		out[i] = gfLog[c]
	}
	return out
}

// "HELLO WORLD" in alphanumeric mode at 1-M: the data codewords and the ten
// error-correction codewords every QR tutorial works through.
func TestRemainderKnownBlock(t *testing.T) {
	data := []byte{32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17}
	want := []byte{196, 35, 39, 119, 235, 215, 231, 226, 93, 23}
	if got := remainder(data, generator(10)); !bytes.Equal(got, want) {
		t.Fatalf("error-correction codewords %v; want %v", got, want)
	}
}

func TestCapacityTable(t *testing.T) {
	for _, c := range []struct {
		version int
		level   Level
		bytes   int
	}{
		{1, L, 17}, {1, M, 14}, {2, L, 32}, {3, M, 42}, {4, L, 78}, {4, M, 62},
		{6, M, 106}, {7, L, 154}, {9, M, 180}, {10, L, 271}, {10, M, 213},
	} {
		if got := Capacity(c.version, c.level); got != c.bytes {
			t.Errorf("Capacity(%d, %v) = %d; the standard's table says %d", c.version, c.level, got, c.bytes)
		}
	}
}

func TestEncodeChoosesSmallestThenBoosts(t *testing.T) {
	for _, c := range []struct {
		n       int
		version int
		level   Level
	}{
		{1, 1, M}, {14, 1, M}, {15, 1, L}, {17, 1, L}, {18, 2, M},
		{55, 4, M}, {62, 4, M}, {63, 4, L}, {78, 4, L}, {79, 5, M},
		{150, 7, L}, {200, 9, L}, {213, 9, L}, {231, 10, L}, {271, 10, L},
	} {
		code, err := Encode(bytes.Repeat([]byte("a"), c.n))
		if err != nil {
			t.Fatalf("%d bytes: %v", c.n, err)
		}
		if code.Version != c.version || code.Level != c.level || code.Size != 17+4*c.version {
			t.Errorf("%d bytes: version %d level %v size %d; want version %d level %v", c.n, code.Version, code.Level, code.Size, c.version, c.level)
		}
	}
	if _, err := Encode(make([]byte, 272)); !errors.Is(err, ErrTooLong) {
		t.Errorf("272 bytes: %v; want ErrTooLong", err)
	}
}

func TestEncodeWithRefusesWhatItCannotDo(t *testing.T) {
	for _, c := range []struct {
		version int
		level   Level
		mask    int
		n       int
	}{
		{1, Level(2), -1, 1}, {1, L, 8, 1}, {1, L, -2, 1}, {11, L, -1, 1}, {-1, L, -1, 1}, {1, M, -1, 15}, {0, M, -1, 214},
	} {
		if _, err := EncodeWith(make([]byte, c.n), c.version, c.level, c.mask); err == nil {
			t.Errorf("EncodeWith(%d bytes, version %d, level %v, mask %d) succeeded", c.n, c.version, c.level, c.mask)
		}
	}
}

// qrencode runs libqrencode in 8-bit mode at a fixed version and level and
// returns its modules (no margin).
func qrencode(t *testing.T, data string, version int, level Level) [][]bool {
	t.Helper()
	bin := testtool.Need(t, "qrencode")
	cmd := exec.Command(bin, "-8", "-l", level.String(), "-v", fmt.Sprint(version), "-m", "0", "-t", "ASCII")
	cmd.Stdin = strings.NewReader(data) // any bytes, NUL included
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("qrencode: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	var rows [][]bool
	for _, l := range lines {
		var row []bool
		for i := 0; i < len(lines); i++ {
			row = append(row, 2*i < len(l) && l[2*i] == '#')
		}
		rows = append(rows, row)
	}
	return rows
}

// formatMask reads the mask pattern from the format bits beside the top
// left finder.
func formatMask(rows [][]bool) int {
	bits := 0
	for i := 0; i <= 5; i++ {
		if rows[i][8] {
			bits |= 1 << i
		}
	}
	if rows[7][8] {
		bits |= 1 << 6
	}
	if rows[8][8] {
		bits |= 1 << 7
	}
	if rows[8][7] {
		bits |= 1 << 8
	}
	for i := 9; i < 15; i++ {
		if rows[8][14-i] {
			bits |= 1 << i
		}
	}
	return (bits ^ 0x5412) >> 10 & 7
}

var referenceURLs = []string{
	"https://ppm.example.com/__login__/device?code=ABCD-EFGH",
	"http://127.0.0.1:4242/__login__/device?code=WXYZ-2345",
	"https://a.io",
	"https://packagemanager.corp.example.internal:8443/__login__/device?user_code=QRST-UVWX&client=git-credential-ppm&x=" + strings.Repeat("0123456789", 7),
	strings.Repeat("https://x.example/", 11) + "?code=ABCD",
}

// TestMatchesQrencode: with libqrencode's mask, every module of every
// version and level libqrencode picks for these URLs is the same as ours —
// data, padding, Reed–Solomon blocks, interleaving, placement, format and
// version information. The mask each of us picks by penalty is logged.
func TestMatchesQrencode(t *testing.T) {
	same := 0
	cases := 0
	for _, url := range referenceURLs {
		for _, level := range []Level{L, M} {
			for v := 1; v <= MaxVersion; v++ {
				if len(url) > Capacity(v, level) {
					continue
				}
				cases++
				if matchQrencode(t, url, v, level) {
					same++
				}
			}
		}
	}
	// Arbitrary bytes (NUL and 0x80–0xFF too) of random lengths up to the
	// largest capacity, in the smallest version that holds them.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 40; i++ {
		level := Level(i % 2)
		data := make([]byte, 1+rng.IntN(Capacity(MaxVersion, level)))
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		v := 1
		for len(data) > Capacity(v, level) {
			v++
		}
		cases++
		if matchQrencode(t, string(data), v, level) {
			same++
		}
	}
	t.Logf("%d of %d symbols: our penalty picks the same mask as qrencode", same, cases)
}

// matchQrencode compares our symbol for data with libqrencode's at the
// same version, level and mask, module for module, and reports whether our
// own choice of mask is libqrencode's.
func matchQrencode(t *testing.T, data string, v int, level Level) bool {
	t.Helper()
	ref := qrencode(t, data, v, level)
	if len(ref) != 17+4*v {
		t.Fatalf("qrencode made %d×%d modules for version %d", len(ref), len(ref), v)
	}
	mask := formatMask(ref)
	code, err := EncodeWith([]byte(data), v, level, mask)
	if err != nil {
		t.Fatal(err)
	}
	for y := range ref {
		for x := range ref[y] {
			if code.Dark(x, y) != ref[y][x] {
				t.Fatalf("%q %d-%v mask %d: module (%d, %d) is %v here and %v in qrencode", data, v, level, mask, x, y, code.Dark(x, y), ref[y][x])
			}
		}
	}
	auto, _ := EncodeWith([]byte(data), v, level, -1)
	return auto.Mask == mask
}
