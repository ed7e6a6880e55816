// Package protocol holds the wire formats git-credential-ppm speaks: git's
// credential helper attributes, the Python keyring CLI's argv and answers,
// and the rules that match a request to a configured Package Manager
// address. It is pure: no I/O beyond the readers and writers it is given.
package protocol

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on git's input. git itself refuses lines over 65535 bytes; a
// helper's whole input is a handful of short lines.
const (
	MaxInput = 64 << 10
	MaxLine  = 65535
)

// Pair is one key=value attribute.
type Pair struct {
	Key, Value string
}

// Attributes are the key=value lines git sends a helper, in order.
type Attributes struct {
	pairs []Pair
}

// ErrInput is wrapped by every error ReadAttributes returns.
var ErrInput = errors.New("not git credential input")

// ReadAttributes reads git's attributes up to a blank line or EOF (git
// closes stdin without a blank line). It reads at most MaxInput+1 bytes.
// Errors never quote the input: values may be passwords.
func ReadAttributes(r io.Reader) (*Attributes, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxInput+1), 4096)
	a := &Attributes{}
	total := 0
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		total += len(line)
		if total > MaxInput {
			return nil, fmt.Errorf("%w: the input is over %d KiB", ErrInput, MaxInput>>10)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%w: reading it failed: %v", ErrInput, err)
		}
		atEOF := err == io.EOF
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if len(line) > MaxLine {
			return nil, fmt.Errorf("%w: line %d is over %d bytes", ErrInput, n, MaxLine)
		}
		if strings.IndexByte(line, 0) >= 0 {
			return nil, fmt.Errorf("%w: line %d contains a NUL byte", ErrInput, n)
		}
		if line == "" {
			return a, nil // blank line or EOF ends the attributes
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: line %d has no '='", ErrInput, n)
		}
		if k == "" {
			return nil, fmt.Errorf("%w: line %d has an empty key", ErrInput, n)
		}
		if k == "url" {
			// git clears what it read before a url= line; so do we, and keep
			// the URL's parts as attributes is git's job, not ours.
			a.pairs = a.pairs[:0]
		}
		a.pairs = append(a.pairs, Pair{k, v})
		if atEOF {
			return a, nil
		}
	}
}

// Get returns the last value of key ("" when absent).
func (a *Attributes) Get(key string) string {
	for i := len(a.pairs) - 1; i >= 0; i-- {
		if a.pairs[i].Key == key {
			return a.pairs[i].Value
		}
	}
	return ""
}

// GetAll returns every value of an array key (written key[] by git) in
// order. An empty value resets the array, as git does.
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

// Pairs returns the attributes in the order they were read.
func (a *Attributes) Pairs() []Pair { return append([]Pair(nil), a.pairs...) }

// Protocol, Host, Path, Username and Password return those attributes.
func (a *Attributes) Protocol() string { return a.Get("protocol") }

// Host is host[:port] as git sends it.
func (a *Attributes) Host() string { return a.Get("host") }

// Path is the request path without a leading slash; git sends it only with
// credential.useHttpPath.
func (a *Attributes) Path() string { return a.Get("path") }

// Username returns the username attribute.
func (a *Attributes) Username() string { return a.Get("username") }

// Password returns the password attribute.
func (a *Attributes) Password() string { return a.Get("password") }

// WriteAttributes writes pairs as key=value lines. It refuses what git
// would misread: the key url (git clears everything before it), empty keys,
// keys with '=', and newlines or NUL bytes anywhere.
func WriteAttributes(w io.Writer, pairs ...Pair) error {
	var b strings.Builder
	for _, p := range pairs {
		switch {
		case p.Key == "" || p.Key == "url":
			return fmt.Errorf("refusing to write the attribute key %q", p.Key)
		case strings.ContainsAny(p.Key, "=\n\r\x00"):
			return fmt.Errorf("refusing to write an attribute key containing '=', a newline or NUL")
		case strings.ContainsAny(p.Value, "\n\r\x00"):
			return fmt.Errorf("refusing to write attribute %s: its value contains a newline or NUL", p.Key)
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
