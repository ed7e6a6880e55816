package tomlfile

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// This file holds the differential check against github.com/BurntSushi/toml,
// the decoder the file store used before this package (imported by tests
// only): for any input both accept or both refuse, the values are equal,
// and for a document both accept the two encoders write the same bytes.
//
// One difference is allowed, in one direction: BurntSushi/toml accepts
// some documents that redefine or extend a table TOML says is closed
// (x.y = 1 then [x]; a = {b = 1} then a.c = 2; its test suite skips these
// cases of toml-test as known bugs), and date-times with an offset hour
// over 23 or minute over 59. This package refuses those, with errRedefine
// or errOffset, and nesting beyond its limits (errLimit); any other
// refusal of a document it accepts is a failure.

// instant is an offset date-time, compared by moment and offset (the two
// decoders use different *time.Location values for the same offset).
type instant struct {
	unixNano int64
	offset   int
}

type nan struct{ negative bool }

// normalize maps both decoders' values onto one shape: BurntSushi's local
// date-times are time.Time in zones it names "datetime-local" and so on.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalize(e)
		}
		return m
	case []map[string]any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = normalize(e)
		}
		return l
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = normalize(e)
		}
		return l
	case float64:
		if math.IsNaN(v) {
			return nan{math.Signbit(v)}
		}
	case time.Time:
		d := LocalDate{v.Year(), int(v.Month()), v.Day()}
		t := LocalTime{v.Hour(), v.Minute(), v.Second(), v.Nanosecond()}
		switch v.Location().String() {
		case "datetime-local":
			return LocalDateTime{d, t}
		case "date-local":
			return d
		case "time-local":
			return t
		}
		_, off := v.Zone()
		return instant{v.UnixNano(), off}
	}
	return v
}

// sameValues compares two decoded values after normalize.
func sameValues(a, b any) bool { return reflect.DeepEqual(normalize(a), normalize(b)) }

// checkAgainstBurntSushi runs the differential check on one input.
func checkAgainstBurntSushi(t *testing.T, input []byte) {
	t.Helper()
	ours, errOurs := Decode(input)
	theirs := map[string]any{}
	_, errTheirs := toml.Decode(string(input), &theirs)
	var perr *ParseError
	if errOurs != nil && !errors.As(errOurs, &perr) {
		t.Fatalf("Decode returned %T, not a *ParseError: %v", errOurs, errOurs)
	}
	switch {
	case errOurs != nil && errTheirs != nil:
		return
	case errOurs == nil && errTheirs != nil:
		t.Fatalf("we accept what BurntSushi/toml refuses (%v):\n%q\nours: %#v", errTheirs, input, ours)
	case errOurs != nil:
		if perr.kind == errRedefine || perr.kind == errOffset || perr.kind == errLimit {
			return // see the comment at the top
		}
		t.Fatalf("we refuse (%v) what BurntSushi/toml accepts:\n%q\ntheirs: %#v", errOurs, input, theirs)
	}
	if !sameValues(ours, theirs) {
		t.Fatalf("the decoders disagree on\n%q\nours:   %#v\ntheirs: %#v", input, normalize(ours), normalize(theirs))
	}
	out, err := Encode(ours)
	if err != nil {
		t.Fatalf("Encode of a decoded document: %v", err)
	}
	var want bytes.Buffer
	enc := toml.NewEncoder(&want)
	enc.Indent = ""
	if enc.Encode(theirs) == nil && !bytes.Equal(out, want.Bytes()) {
		t.Fatalf("the encoders disagree on\n%q\nours:\n%s\ntheirs:\n%s", input, out, want.Bytes())
	}
	checkRoundTrip(t, ours, out)
}

// checkRoundTrip fails t unless out, the encoding of doc, decodes to doc
// (lists of inline tables come back as [[arrays of tables]]).
func checkRoundTrip(t *testing.T, doc map[string]any, out []byte) {
	t.Helper()
	back, err := Decode(out)
	if err != nil {
		t.Fatalf("the encoding does not decode (%v):\n%s", err, out)
	}
	if !sameValues(back, doc) {
		t.Fatalf("decode(encode(x)) != x\nx:    %#v\nback: %#v\nencoding:\n%s", normalize(doc), normalize(back), out)
	}
}
