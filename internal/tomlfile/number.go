package tomlfile

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// numberOrDate reads an integer, a float, inf or nan, or a date-time.
func (p *parser) numberOrDate() any {
	start := p.pos
	for p.pos < len(p.src) && isNumberChar(p.src[p.pos]) {
		p.pos++
		// A date and a time may be separated by one space.
		if p.pos-start == 10 && strings.HasPrefix(p.src[p.pos:], " ") && p.pos+3 < len(p.src) &&
			isDigit(p.src[p.pos+1]) && isDigit(p.src[p.pos+2]) && p.src[p.pos+3] == ':' {
			if _, ok := parseDate(p.src[start:p.pos]); ok {
				p.pos++
			}
		}
	}
	s := p.src[start:p.pos]
	if len(s) >= 3 && s[2] == ':' || len(s) >= 5 && s[4] == '-' && digitsOK(s[:4], 10) {
		v, kind, ok := parseDateTime(s)
		if !ok {
			p.fail(start, kind, "invalid date or time; TOML writes them as 1979-05-27T07:32:00Z, 1979-05-27T07:32:00, 1979-05-27 or 07:32:00")
		}
		return v
	}
	if v, shaped, err := parseInteger(s); shaped {
		if err != nil {
			p.fail(start, errSyntax, "%v", err)
		}
		return v
	}
	v, err := parseFloat(s)
	if err != nil {
		p.fail(start, errSyntax, "%v", err)
	}
	return v
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNumberChar(c byte) bool {
	return isBare(c) || c == '+' || c == '.' || c == ':'
}

// digitsOK reports whether s is one or more digits of base (10 when
// decimal) with single underscores between them.
func digitsOK(s string, base int) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			if s[i+1] == '_' {
				return false
			}
		case base == 16 && isHex(c), base == 10 && isDigit(c), base == 8 && c >= '0' && c <= '7', base == 2 && (c == '0' || c == '1'):
		default:
			return false
		}
	}
	return true
}

func removeUnderscores(s string) string {
	if strings.IndexByte(s, '_') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "_", "")
}

// parseInteger reads a TOML integer: decimal with an optional sign and
// no leading zero, or 0x, 0o, 0b without a sign. shaped is false when s
// is not written like an integer.
func parseInteger(s string) (v int64, shaped bool, err error) {
	base, digits := 10, s
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 10 {
			digits = s[2:]
		}
	}
	if base == 10 {
		unsigned := digits
		if unsigned != "" && (unsigned[0] == '+' || unsigned[0] == '-') {
			unsigned = unsigned[1:]
		}
		if len(unsigned) > 1 && unsigned[0] == '0' || !digitsOK(unsigned, 10) {
			return 0, false, nil
		}
	} else if !digitsOK(digits, base) {
		return 0, false, nil
	}
	if base == 10 && digits[0] == '+' {
		digits = digits[1:]
	}
	v, err = strconv.ParseInt(removeUnderscores(digits), base, 64)
	if err != nil {
		return 0, true, errors.New("the integer does not fit in 64 bits (-9223372036854775808 to 9223372036854775807)")
	}
	return v, true, nil
}

// parseFloat reads a TOML float: a decimal integer part, then a fraction,
// an exponent or both; or inf or nan with an optional sign.
func parseFloat(s string) (float64, error) {
	switch s {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan", "+nan":
		return math.NaN(), nil
	case "-nan":
		return math.Copysign(math.NaN(), -1), nil
	}
	bad := errors.New("invalid number; TOML writes numbers as 42, -1_000, 0x2a, 3.14, 6.02e23, inf or nan")
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if !digitsOK(exp, 10) {
			return 0, bad
		}
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if hasFrac && !digitsOK(frac, 10) || !hasFrac && exp == "" && !strings.ContainsAny(s, "eE") {
		return 0, bad
	}
	unsigned := intPart
	if unsigned != "" && (unsigned[0] == '+' || unsigned[0] == '-') {
		unsigned = unsigned[1:]
	}
	if len(unsigned) > 1 && unsigned[0] == '0' || !digitsOK(unsigned, 10) {
		return 0, bad
	}
	f, err := strconv.ParseFloat(removeUnderscores(s), 64)
	if err != nil {
		return 0, errors.New("the float is out of range for 64 bits")
	}
	return f, nil
}
