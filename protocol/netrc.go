package protocol

import (
	"bytes"
	"fmt"
	"net"
	"strings"
)

// NetrcEntry is one machine of a netrc file, the credentials file that
// curl (--netrc-file, NETRC) and R's libcurl (options(netrc = …), from R
// 4.6) read. A netrc entry is scoped to a host name only: no scheme, no
// port, no path.
type NetrcEntry struct {
	Machine, Login, Password string
}

// Hostname is the address's host as a netrc machine names it: without the
// port, and an IPv6 literal without its brackets.
func (a Address) Hostname() string {
	if h, _, err := net.SplitHostPort(a.Host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(a.Host, "["), "]")
}

// FormatNetrc writes entries as netrc lines, `machine M login L password P`
// each. curl and libcurl split netrc words at white space and give quotes
// and backslashes meaning, so a value that is empty or holds anything but
// printable ASCII without '"' and '\' is an error naming the machine and
// the field, never the value (PPM tokens are JWTs: letters, digits, '-',
// '_' and '.').
func FormatNetrc(entries []NetrcEntry) ([]byte, error) {
	var b bytes.Buffer
	for _, e := range entries {
		for _, f := range []struct{ name, value string }{{"machine", e.Machine}, {"login", e.Login}, {"password", e.Password}} {
			if !netrcWord(f.value) {
				return nil, fmt.Errorf("the %s for %s cannot be written to a netrc file: it is empty or has a space, a quote, a backslash or a character that is not printable ASCII", f.name, quoteAddress(e.Machine))
			}
		}
		fmt.Fprintf(&b, "machine %s login %s password %s\n", e.Machine, e.Login, e.Password)
	}
	return b.Bytes(), nil
}

// netrcWord reports whether s can stand as one unquoted netrc word.
func netrcWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
