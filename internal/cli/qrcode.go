package cli

import (
	"io"

	"golang.org/x/term"

	"github.com/posit-dev/git-credential-ppm/internal/qr"
)

// defaultColumns is the terminal width assumed when it cannot be asked.
const defaultColumns = 80

// loginQR returns the lines of a QR code of the verification URL with the
// code in it (RFC 8628 §3.3.1), to print beneath the URL for a person who
// will scan it with a phone; nil when there is none to show: a browser
// opened, out is not a terminal, PPM_CREDENTIAL_QR=0, the server sent no
// verification_uri_complete (a code of the bare URL would still leave the
// code to type), or the terminal is too narrow for one.
func loginQR(getenv func(string) string, out io.Writer, terminal, browserOpened bool, uriComplete string) []string {
	if !terminal || browserOpened || uriComplete == "" || settingValue(getenv, "PPM_CREDENTIAL_QR") == "0" {
		return nil
	}
	lines, ok := qr.Terminal(uriComplete, terminalColumns(out))
	if !ok {
		return nil
	}
	return lines
}

// terminalColumns is the width of the terminal out writes to, or
// defaultColumns when it cannot be told.
func terminalColumns(out io.Writer) int {
	if f, ok := out.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return defaultColumns
}
