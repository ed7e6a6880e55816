package tomlfile

import (
	"strconv"
	"time"
)

// LocalDate is a TOML local date (1979-05-27): a day, with no time of day
// and no offset.
type LocalDate struct {
	Year, Month, Day int
}

// LocalTime is a TOML local time (07:32:00.999): a time of day, with no
// day and no offset. Nanosecond holds the fraction of the second,
// truncated to nanoseconds.
type LocalTime struct {
	Hour, Minute, Second, Nanosecond int
}

// LocalDateTime is a TOML local date-time (1979-05-27T07:32:00): a day and
// a time of day, with no offset.
type LocalDateTime struct {
	Date LocalDate
	Time LocalTime
}

// String formats d as TOML writes it: 1979-05-27.
func (d LocalDate) String() string { return string(d.appendTo(nil)) }

// String formats t as TOML writes it: 07:32:00, with the fraction of the
// second (trailing zeros dropped) when there is one.
func (t LocalTime) String() string { return string(t.appendTo(nil)) }

// String formats dt as TOML writes it: 1979-05-27T07:32:00.
func (dt LocalDateTime) String() string {
	return string(dt.Time.appendTo(append(dt.Date.appendTo(nil), 'T')))
}

func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func (d LocalDate) appendTo(b []byte) []byte {
	b = appendPadded(b, d.Year, 4)
	b = append(b, '-')
	b = appendPadded(b, d.Month, 2)
	b = append(b, '-')
	return appendPadded(b, d.Day, 2)
}

func (t LocalTime) appendTo(b []byte) []byte {
	b = appendPadded(b, t.Hour, 2)
	b = append(b, ':')
	b = appendPadded(b, t.Minute, 2)
	b = append(b, ':')
	b = appendPadded(b, t.Second, 2)
	if t.Nanosecond > 0 {
		frac := appendPadded(nil, t.Nanosecond, 9)
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(append(b, '.'), frac...)
	}
	return b
}

// number reads n decimal digits at s[i:]; ok is false when they are not
// all there.
func number(s string, i, n int) (v int, ok bool) {
	if i+n > len(s) {
		return 0, false
	}
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseDate reads YYYY-MM-DD at the start of s.
func parseDate(s string) (LocalDate, bool) {
	y, ok1 := number(s, 0, 4)
	m, ok2 := number(s, 5, 2)
	d, ok3 := number(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return LocalDate{}, false
	}
	return LocalDate{y, m, d}, true
}

// parseTime reads HH:MM, HH:MM:SS or HH:MM:SS.fraction at the start of
// s and returns how many bytes it used.
func parseTime(s string) (LocalTime, int, bool) {
	h, ok1 := number(s, 0, 2)
	m, ok2 := number(s, 3, 2)
	if !ok1 || !ok2 || s[2] != ':' || h > 23 || m > 59 {
		return LocalTime{}, 0, false
	}
	t, n := LocalTime{Hour: h, Minute: m}, 5
	if n < len(s) && s[n] == ':' {
		sec, ok := number(s, 6, 2)
		if !ok || sec > 59 {
			return LocalTime{}, 0, false
		}
		t.Second, n = sec, 8
		if n < len(s) && s[n] == '.' {
			n++
			digits := 0
			for ; n < len(s) && s[n] >= '0' && s[n] <= '9'; n++ {
				if digits < 9 {
					t.Nanosecond = t.Nanosecond*10 + int(s[n]-'0')
				}
				digits++
			}
			if digits == 0 {
				return LocalTime{}, 0, false
			}
			for ; digits < 9; digits++ {
				t.Nanosecond *= 10
			}
		}
	}
	return t, n, true
}

// parseDateTime turns s, a value that starts like a date or a time, into
// LocalTime, LocalDate, LocalDateTime or (with an offset) time.Time. kind
// is errOffset when only the offset is out of range.
func parseDateTime(s string) (v any, kind errKind, ok bool) {
	if len(s) >= 3 && s[2] == ':' {
		t, n, ok := parseTime(s)
		return t, errSyntax, ok && n == len(s)
	}
	d, ok := parseDate(s)
	if !ok || len(s) < 10 {
		return nil, errSyntax, false
	}
	if len(s) == 10 {
		return d, errSyntax, true
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return nil, errSyntax, false
	}
	t, n, ok := parseTime(s[11:])
	if !ok {
		return nil, errSyntax, false
	}
	rest := s[11+n:]
	if rest == "" {
		return LocalDateTime{d, t}, errSyntax, true
	}
	loc := time.UTC
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := number(rest, 1, 2)
		om, ok2 := number(rest, 4, 2)
		if !ok1 || !ok2 {
			return nil, errSyntax, false
		}
		if oh > 23 || om > 59 {
			return nil, errOffset, false
		}
		off := (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
		if off != 0 {
			loc = time.FixedZone("", off)
		}
	default:
		return nil, errSyntax, false
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, t.Hour, t.Minute, t.Second, t.Nanosecond, loc), errSyntax, true
}
