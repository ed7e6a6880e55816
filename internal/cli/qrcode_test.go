package cli

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/posit-dev/git-credential-ppm/internal/testing/qrtest"
)

func TestLoginQRWhenToShow(t *testing.T) {
	const uri = "https://ppm.example.com/__login__/device?code=ABCD-EFGH"
	env := func(qr string) func(string) string {
		return func(k string) string {
			if k == "PPM_CREDENTIAL_QR" {
				return qr
			}
			return ""
		}
	}
	var out bytes.Buffer // not a terminal: 80 columns assumed
	for _, c := range []struct {
		name           string
		qr             string
		terminal, open bool
		uri            string
		want           bool
	}{
		{"terminal, no browser", "", true, false, uri, true},
		{"PPM_CREDENTIAL_QR=auto", "auto", true, false, uri, true},
		{"PPM_CREDENTIAL_QR=0", "0", true, false, uri, false},
		{"PPM_CREDENTIAL_QR= 0 ", " 0 ", true, false, uri, false},
		{"browser opened", "", true, true, uri, false},
		{"not a terminal", "", false, false, uri, false},
		{"no verification_uri_complete", "", true, false, "", false},
		{"too wide for 80 columns (version 16, 81 modules)", "", true, false, uri + string(make([]byte, 500)), false},
	} {
		lines := loginQR(env(c.qr), &out, c.terminal, c.open, c.uri)
		if (lines != nil) != c.want {
			t.Errorf("%s: QR shown %v; want %v", c.name, lines != nil, c.want)
		}
		if lines == nil || !c.want {
			continue
		}
		if got := qrtest.Decode(t, lines, false); got != c.uri {
			t.Errorf("%s: the code reads %q; want %q", c.name, got, c.uri)
		}
		if cols := utf8.RuneCountInString(lines[0]); cols != 41 || len(lines) != 21 {
			t.Errorf("%s: %d columns × %d lines; want 41 × 21 (version 4, 33 modules, quiet zone 4)", c.name, cols, len(lines))
		}
	}
}
