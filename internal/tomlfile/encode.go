package tomlfile

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Encode writes doc as a TOML document, in the layout the file store has
// always written (that of github.com/BurntSushi/toml's encoder with no
// indentation): in each table its plain values first, then its tables,
// keys sorted within each group; a table as a [name] section (with a
// blank line before a top-level one), a non-empty list whose elements are
// all tables as [[name]] sections, anything else inline. It accepts the
// shapes Decode returns (plus int); another type is an
// error.
func Encode(doc map[string]any) (out []byte, err error) {
	e := &encoder{}
	defer func() {
		if r := recover(); r != nil {
			ee, ok := r.(encodeError)
			if !ok {
				panic(r)
			}
			out, err = nil, ee.err
		}
	}()
	e.table(nil, doc)
	return e.buf, nil
}

type encodeError struct{ err error }

type encoder struct {
	buf []byte
}

// maxEncoded bounds what Encode writes: four times what the file store
// reads (16 MiB). Headers repeat the whole path of a table, so a small
// document of long keys nested deep would otherwise take gigabytes.
const maxEncoded = 64 << 20

func (e *encoder) newline() {
	if len(e.buf) > maxEncoded {
		panic(encodeError{fmt.Errorf("the document is over %d MiB written out", maxEncoded>>20)})
	}
	if len(e.buf) > 0 {
		e.buf = append(e.buf, '\n')
	}
}

// isTable reports whether v is written as a section: a table, or a
// non-empty list of tables only.
func isTable(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return v != nil
	case []map[string]any:
		return len(v) > 0
	case []any:
		if len(v) == 0 {
			return false
		}
		for _, x := range v {
			if _, ok := x.(map[string]any); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// sortedKeys returns m's keys, the plain values' first, each group sorted.
func sortedKeys(m map[string]any) []string {
	var plain, tables []string
	for k, v := range m {
		if isNil(v) {
			continue
		}
		if isTable(v) {
			tables = append(tables, k)
		} else {
			plain = append(plain, k)
		}
	}
	slices.Sort(plain)
	slices.Sort(tables)
	return append(plain, tables...)
}

func isNil(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		return v == nil
	case []any:
		return v == nil
	case []map[string]any:
		return v == nil
	}
	return false
}

// table writes the section for the table at path (the root when empty).
func (e *encoder) table(path []string, m map[string]any) {
	if len(path) == 1 {
		e.newline()
	}
	if len(path) > 0 {
		e.buf = append(e.buf, '[')
		e.buf = appendPath(e.buf, path)
		e.buf = append(e.buf, ']')
		e.newline()
	}
	e.body(path, m)
}

// body writes m's keys under path.
func (e *encoder) body(path []string, m map[string]any) {
	for _, k := range sortedKeys(m) {
		v := m[k]
		sub := append(slices.Clip(path), k)
		switch {
		case !isTable(v):
			e.buf = appendKey(e.buf, k)
			e.buf = append(e.buf, " = "...)
			e.value(v)
			e.newline()
		case isMap(v):
			e.table(sub, v.(map[string]any))
		default:
			for _, t := range tableElems(v) {
				e.newline()
				e.buf = append(e.buf, "[["...)
				e.buf = appendPath(e.buf, sub)
				e.buf = append(e.buf, "]]"...)
				e.newline()
				e.body(sub, t)
			}
		}
	}
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

func tableElems(v any) []map[string]any {
	if l, ok := v.([]map[string]any); ok {
		return l
	}
	var out []map[string]any
	for _, x := range v.([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func appendPath(b []byte, path []string) []byte {
	for i, k := range path {
		if i > 0 {
			b = append(b, '.')
		}
		b = appendKey(b, k)
	}
	return b
}

// appendKey writes k bare when it can be, else quoted.
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if !isBare(k[i]) {
			return appendQuoted(b, k)
		}
	}
	if k == "" {
		return append(b, `""`...)
	}
	return append(b, k...)
}

// appendQuoted writes s as a "string": quote, backslash and control
// characters escaped, everything else as it is.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, `\b`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\f':
			b = append(b, `\f`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			if c < 0x20 || c == 0x7f {
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
				continue
			}
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// value writes v inline.
func (e *encoder) value(v any) {
	switch v := v.(type) {
	case string:
		e.buf = appendQuoted(e.buf, v)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case float64:
		e.buf = appendFloat(e.buf, v)
	case time.Time:
		e.buf = v.AppendFormat(e.buf, time.RFC3339Nano)
	case LocalDate:
		e.buf = v.appendTo(e.buf)
	case LocalTime:
		e.buf = v.appendTo(e.buf)
	case LocalDateTime:
		e.buf = v.Time.appendTo(append(v.Date.appendTo(e.buf), 'T'))
	case []any:
		inlineList(e, v)
	case []map[string]any:
		inlineList(e, v)
	case map[string]any:
		e.buf = append(e.buf, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				e.buf = append(e.buf, ", "...)
			}
			e.buf = appendKey(e.buf, k)
			e.buf = append(e.buf, " = "...)
			e.value(v[k])
		}
		e.buf = append(e.buf, '}')
	default:
		panic(encodeError{fmt.Errorf("a value of type %T has no TOML form", v)})
	}
}

// inlineList writes list inline: [a, b].
func inlineList[T any](e *encoder, list []T) {
	e.buf = append(e.buf, '[')
	for i, x := range list {
		if i > 0 {
			e.buf = append(e.buf, ", "...)
		}
		e.value(x)
	}
	e.buf = append(e.buf, ']')
}

// appendFloat writes f so that it reads back as a float: with a ".0"
// when it would look like an integer; inf and nan with their sign.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		if math.Signbit(f) {
			b = append(b, '-')
		}
		if math.IsNaN(f) {
			return append(b, "nan"...)
		}
		return append(b, "inf"...)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	b = append(b, s...)
	if !strings.ContainsAny(s, ".e") {
		b = append(b, ".0"...)
	}
	return b
}
