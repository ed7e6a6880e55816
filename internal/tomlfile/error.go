package tomlfile

import "fmt"

// ParseError is a document that is not valid TOML: where, and what is
// wrong there. Message never quotes more than one character of the
// document, except key names (a value may be a secret).
type ParseError struct {
	Line    int    // 1-based line of the offending character
	Col     int    // 1-based column, in bytes from the start of that line
	Message string // what is wrong, without the position
	kind    errKind
}

// errKind sorts errors for the tests: the differential test against
// another decoder tells a redefined table (which that decoder lets pass)
// from any other error.
type errKind uint8

const (
	errSyntax   errKind = iota
	errRedefine         // a key or table defined twice, or extended after it was closed
	errOffset           // a date-time offset outside -23:59…+23:59
	errLimit            // nesting over this package's limits (which the other decoder does not have)
)

func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Message)
}

// errorAt builds the ParseError for byte offset off of src.
func errorAt(src string, off int, kind errKind, format string, args ...any) *ParseError {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return &ParseError{Line: line, Col: off - start + 1, Message: fmt.Sprintf(format, args...), kind: kind}
}
