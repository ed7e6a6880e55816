package cli

import (
	"strings"
	"testing"
)

// TestErrorLinesAreEscaped: an error that carries server text (an error
// description with controls, a newline) is still one line, escaped.
func TestErrorLinesAreEscaped(t *testing.T) {
	var out strings.Builder
	inv := &invocation{getenv: func(string) string { return "" }, stderr: &out}
	inv.errorf("Package Manager refused: %s", "bad\x1b[2J\x07\nsecond line\u202e")
	if got := out.String(); strings.Count(got, "\n") != 1 || strings.ContainsAny(got, "\x1b\x07\u202e") || !strings.Contains(got, `bad\x1b[2J\x07\nsecond line`) {
		t.Errorf("error line %q; want one line with the controls escaped", got)
	}
}
