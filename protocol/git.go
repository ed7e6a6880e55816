// Package protocol holds the wire formats git-credential-ppm speaks: git's
// credential helper attributes, the Python keyring CLI's argv and answers,
// and the rules that match a request to a configured Package Manager
// address. It is pure: no I/O beyond the readers and writers it is given,
// and it imports nothing else of this module.
//
// Everything here parses input we do not control, so each parser has a
// fuzz target with a committed seed corpus under testdata/fuzz.
package protocol

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on git's input (see git-credential(1), "INPUT/OUTPUT FORMAT").
const (
	// MaxInput is the most ReadAttributes accepts in all: a helper's input
	// is a handful of short lines.
	MaxInput = 64 << 10
	// MaxLine is git's limit on one line, the trailing newline included.
	MaxLine = 65535
)

// Pair is one key=value attribute.
type Pair struct {
	Key, Value string
}

// Attributes are the key=value lines git sends a helper, in the order they
// came. Unknown keys are kept; a url= line is expanded into the attributes
// it stands for, as git itself does.
type Attributes struct {
	pairs []Pair
}

// ErrInput is wrapped by every error ReadAttributes returns for input that
// is not git's credential format (as opposed to a failing reader).
var ErrInput = errors.New("not git credential input")

// ReadAttributes reads git's attributes up to a blank line or EOF (git
// closes stdin without a blank line). It reads the way git's own
// credential_read does: each line is split at its first '='; "\r\n" ends a
// line like "\n"; a key that appears twice keeps both pairs (Get returns
// the last); url=<URL> replaces everything read before it with the URL's
// protocol, host, path, username and password.
//
// It fails, wrapping ErrInput, on a line without '=', a NUL byte, a line
// over MaxLine bytes or input over MaxInput bytes. It never reads more
// than MaxInput+1 bytes from r and makes no read once it has seen the
// blank line. Errors never quote the input: values may be passwords.
func ReadAttributes(r io.Reader) (*Attributes, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxInput+1), 4096)
	a := &Attributes{}
	total := 0
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		total += len(line)
		if total > MaxInput {
			return nil, fmt.Errorf("%w: it is over %d KiB", ErrInput, MaxInput>>10)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading the credential attributes failed: %w", err)
		}
		if len(line) > MaxLine {
			return nil, fmt.Errorf("%w: line %d is over %d bytes", ErrInput, n, MaxLine)
		}
		if strings.IndexByte(line, 0) >= 0 {
			return nil, fmt.Errorf("%w: line %d contains a NUL byte", ErrInput, n)
		}
		if l, ok := strings.CutSuffix(line, "\n"); ok {
			// As git's strbuf_getline: a CR is dropped only before the LF.
			line = strings.TrimSuffix(l, "\r")
		} else if line == "" {
			return a, nil // EOF
		}
		if line == "" {
			return a, nil // blank line
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: line %d has no '='", ErrInput, n)
		}
		if k == "url" {
			parts, uerr := urlAttributes(v)
			if uerr != nil {
				return nil, fmt.Errorf("%w: line %d: %v", ErrInput, n, uerr)
			}
			a.pairs = parts
		} else {
			a.pairs = append(a.pairs, Pair{k, v})
		}
		if err == io.EOF {
			return a, nil
		}
	}
}

// urlAttributes expands a url= value as git's credential_from_url does:
// scheme://[user[:password]@]host[/path], the userinfo ending at the first
// '@' before the first '/', '?' or '#', each part percent-decoded, the path
// without leading or trailing slashes. Errors never quote the URL: it may
// hold a password.
func urlAttributes(u string) ([]Pair, error) {
	i := strings.Index(u, "://")
	if i <= 0 {
		return nil, errors.New("the url attribute has no scheme")
	}
	proto, rest := u[:i], u[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, path := rest[:end], rest[end:]
	var pairs []Pair
	add := func(key, raw string) error {
		v := percentDecode(raw)
		if strings.ContainsAny(v, "\n\x00") {
			return fmt.Errorf("the url attribute's %s contains a newline or NUL", key)
		}
		pairs = append(pairs, Pair{key, v})
		return nil
	}
	pairs = append(pairs, Pair{"protocol", proto})
	host := authority
	var user, pass string
	hasUser, hasPass := false, false
	if at := strings.IndexByte(authority, '@'); at >= 0 {
		userinfo := authority[:at]
		host = authority[at+1:]
		hasUser = true
		user = userinfo
		if c := strings.IndexByte(userinfo, ':'); c >= 0 {
			user, pass, hasPass = userinfo[:c], userinfo[c+1:], true
		}
	}
	if err := add("host", host); err != nil {
		return nil, err
	}
	path = strings.TrimLeft(path, "/")
	if path != "" {
		p := percentDecode(path)
		// git trims trailing slashes after decoding, keeping at least one byte.
		for len(p) > 1 && p[len(p)-1] == '/' {
			p = p[:len(p)-1]
		}
		if strings.ContainsAny(p, "\n\x00") {
			return nil, errors.New("the url attribute's path contains a newline or NUL")
		}
		pairs = append(pairs, Pair{"path", p})
	}
	if hasUser {
		if err := add("username", user); err != nil {
			return nil, err
		}
	}
	if hasPass {
		if err := add("password", pass); err != nil {
			return nil, err
		}
	}
	return pairs, nil
}

// percentDecode decodes %XX escapes as git's url_decode does: a '%' not
// followed by two hex digits stays as it is; '+' stays '+'.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// Get returns the last value given for key, or "" when it is absent.
func (a *Attributes) Get(key string) string {
	for i := len(a.pairs) - 1; i >= 0; i-- {
		if a.pairs[i].Key == key {
			return a.pairs[i].Value
		}
	}
	return ""
}

// Has reports whether key was given at all (possibly with an empty value).
func (a *Attributes) Has(key string) bool {
	for _, p := range a.pairs {
		if p.Key == key {
			return true
		}
	}
	return false
}

// GetAll returns the values of an array attribute, which git writes as
// key[]=value lines, in order. key is given without the brackets
// (GetAll("wwwauth") reads wwwauth[] lines). An empty value clears the
// values before it, as git-credential(1) specifies.
func (a *Attributes) GetAll(key string) []string {
	var out []string
	for _, p := range a.pairs {
		if p.Key == key+"[]" {
			if p.Value == "" {
				out = nil
				continue
			}
			out = append(out, p.Value)
		}
	}
	return out
}

// Pairs returns a copy of the attributes in the order they were read.
func (a *Attributes) Pairs() []Pair { return append([]Pair(nil), a.pairs...) }

// Protocol returns the protocol attribute ("https", "http", …).
func (a *Attributes) Protocol() string { return a.Get("protocol") }

// Host returns the host attribute: host[:port] as git sends it.
func (a *Attributes) Host() string { return a.Get("host") }

// Path returns the path attribute, without a leading slash. git sends it
// for http(s) only when credential.useHttpPath is set.
func (a *Attributes) Path() string { return a.Get("path") }

// Username returns the username attribute.
func (a *Attributes) Username() string { return a.Get("username") }

// Password returns the password attribute (git sends it to store and
// erase).
func (a *Attributes) Password() string { return a.Get("password") }

// WriteAttributes writes pairs as key=value lines, each ending in "\n",
// with a single Write. It writes nothing and returns an error if any pair
// is something git would misread: the key url (git clears everything read
// before it), an empty key, a key containing '=', or a newline, carriage
// return or NUL in a key or value. Errors name the key, never the value.
func WriteAttributes(w io.Writer, pairs ...Pair) error {
	var b strings.Builder
	for _, p := range pairs {
		switch {
		case p.Key == "":
			return errors.New("refusing to write a git credential attribute with an empty key")
		case p.Key == "url":
			return errors.New("refusing to write the git credential attribute url: git would discard the attributes before it")
		case strings.ContainsAny(p.Key, "=\n\r\x00"):
			return errors.New("refusing to write a git credential attribute whose key contains '=', a line break or NUL")
		case strings.ContainsAny(p.Value, "\n\r\x00"):
			return fmt.Errorf("refusing to write the git credential attribute %s: its value contains a line break or NUL", p.Key)
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(w, b.String())
	return err
}
