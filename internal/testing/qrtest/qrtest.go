// Package qrtest reads QR codes back from what a terminal shows, for tests:
// it finds the half-block lines in captured terminal output, paints them as
// a terminal would (each character cell one module wide and two module rows
// tall, blocks in the foreground colour) into a PNG, and decodes that with
// zbarimg from Debian's zbar-tools.
package qrtest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// Scale is how many pixels wide and tall one module is painted.
const Scale = 4

// margin is the terminal background painted around the text, in modules.
const margin = 6

// Zbarimg returns the path of zbarimg. It fails the test under CI=true when
// zbarimg is missing and skips it loudly elsewhere.
func Zbarimg(t testing.TB) string {
	t.Helper()
	return testtool.NeedFrom(t, "zbarimg", "zbar-tools")
}

func isBlockLine(s string) bool {
	if !strings.ContainsAny(s, "█▀▄") {
		return false
	}
	return strings.Trim(s, "█▀▄ ") == ""
}

// Find returns the first run of consecutive lines of out (terminal output,
// lines ended by \n or \r\n) made of nothing but █, ▀, ▄ and spaces, or nil.
func Find(out string) []string {
	var found []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if isBlockLine(line) {
			found = append(found, line)
		} else if found != nil {
			break
		}
	}
	return found
}

// Paint draws lines as a terminal shows them: light text on a dark
// background (darkOnLight false) or dark text on a light one, with some
// background around them.
func Paint(lines []string, darkOnLight bool) image.Image {
	fg, bg := color.Gray{Y: 0xff}, color.Gray{Y: 0}
	if darkOnLight {
		fg, bg = bg, fg
	}
	cols := 0
	for _, l := range lines {
		cols = max(cols, utf8.RuneCountInString(l))
	}
	w, h := (cols+2*margin)*Scale, (2*len(lines)+2*margin)*Scale
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = bg.Y
	}
	fill := func(col, row int) {
		for dy := 0; dy < Scale; dy++ {
			for dx := 0; dx < Scale; dx++ {
				img.SetGray((col+margin)*Scale+dx, (row+margin)*Scale+dy, fg)
			}
		}
	}
	for y, l := range lines {
		x := 0
		for _, r := range l {
			if r == '█' || r == '▀' {
				fill(x, 2*y)
			}
			if r == '█' || r == '▄' {
				fill(x, 2*y+1)
			}
			x++
		}
	}
	return img
}

// Decode paints lines (see Paint) into a PNG and returns what zbarimg reads
// in it, exactly (no line end added), failing the test when it reads no QR
// code or more than one.
func Decode(t testing.TB, lines []string, darkOnLight bool) string {
	t.Helper()
	got, err := Read(Zbarimg(t), t.TempDir(), lines, darkOnLight)
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(lines, "\n"))
	}
	return got
}

// Read is Decode returning an error: zbarimg is the tool's path and dir a
// directory for the picture.
func Read(zbarimg, dir string, lines []string, darkOnLight bool) (string, error) {
	if len(lines) == 0 {
		return "", errors.New("no half-block lines to decode")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, Paint(lines, darkOnLight)); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "terminal.png")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		return "", err
	}
	args := []string{"--quiet", "--raw", "--nodbus", "-Sdisable", "-Sqrcode.enable"}
	if darkOnLight {
		args = append(args, "-Stest-inverted")
	}
	cmd := exec.Command(zbarimg, append(args, file)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("zbarimg found no QR code in what the terminal shows: %w (%s)", err, strings.TrimSpace(errb.String()))
	}
	got := strings.TrimSuffix(out.String(), "\n")
	if strings.Contains(got, "\n") { // one symbol per line; a URL holds no line break
		return "", fmt.Errorf("zbarimg read more than one QR code: %q", got)
	}
	return got, nil
}
