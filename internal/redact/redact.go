// Package redact removes secrets from text bound for a person or a log:
// error lines, trace lines, descriptions a server sent. It is the one
// redactor of the program; the trace, the error printer and the OAuth
// client all call it.
//
// It removes secrets and nothing else. What counts as a secret here:
//   - a JWT or other JWS in compact form (three base64url segments joined
//     by dots, the first of them a JSON object, i.e. starting "ey" or "ew");
//   - the value after a secret's key in the syntaxes secrets travel in:
//     key=value (forms, queries, git attributes, environment) and
//     "key": "value" (JSON), for keys ending in token, password, secret,
//     code_verifier or device_code;
//   - the password of a URL's userinfo (scheme://user:password@host);
//   - the credential after "Bearer " or "Basic " (an Authorization header);
//   - any text passed to Known.
//
// Prose is left alone: "the identity token: check that it is current",
// "POST …/__api__/token: 200 OK", "attribute password: value contains a
// line break" and host names come out as they went in. The package uses
// no regular expressions, so it costs nothing at program start.
package redact

import (
	"encoding/base64"
	"strings"
)

// Marker replaces each secret.
const Marker = "[redacted]"

// Text returns s with every secret-shaped part replaced by Marker (see the
// package documentation for what is secret-shaped).
func Text(s string) string {
	for _, rule := range []func(string) []span{jws, keyValues, userinfo, authSchemes} {
		s = replace(s, rule(s))
	}
	return s
}

// span is a part of a text, [start, end), that holds a secret.
type span struct{ start, end int }

// replace replaces each span of s, in order and not overlapping, with
// Marker.
func replace(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(Marker)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// Known returns Text(s) with, first, every occurrence of each non-empty
// secret replaced. Should the replacing make a secret appear again (a
// secret that overlaps the marker or straddles a removed one), the whole
// text is replaced.
func Known(s string, secrets ...string) string {
	for range 3 {
		found := false
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Marker)
				found = true
			}
		}
		if !found {
			return Text(s)
		}
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			return Marker
		}
	}
	return Text(s)
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// jws finds compact JWS/JWT serialisations: a run of base64url bytes
// that decodes to a JSON object's start ("{" and a quote or white space),
// a dot, at least two base64url bytes, a dot, and any base64url bytes (an
// empty signature included).
func jws(s string) []span {
	var spans []span
	for i := 0; i+4 <= len(s); i++ {
		if s[i] != 'e' || (i > 0 && isB64URL(s[i-1])) || !jsonObjectStart(s[i:i+4]) {
			continue
		}
		end, ok := jwsEnd(s, i)
		if !ok {
			continue
		}
		spans = append(spans, span{i, end})
		i = end - 1
	}
	return spans
}

// jsonObjectStart reports whether four base64url characters decode to
// "{" followed by '"', a space, a tab, CR or LF: how every JOSE header
// begins.
func jsonObjectStart(four string) bool {
	var out [3]byte
	if n, err := base64.RawURLEncoding.Decode(out[:], []byte(four)); err != nil || n != 3 {
		return false
	}
	return out[0] == '{' && strings.IndexByte("\" \t\r\n", out[1]) >= 0
}

// jwsEnd returns where the JWS starting at i ends, if one does.
func jwsEnd(s string, i int) (int, bool) {
	j := i
	for segment := 0; segment < 3; segment++ {
		start := j
		for j < len(s) && isB64URL(s[j]) {
			j++
		}
		n := j - start
		switch segment {
		case 0:
			if n < 4 || j >= len(s) || s[j] != '.' {
				return 0, false
			}
			j++
		case 1:
			if n < 2 || j >= len(s) || s[j] != '.' {
				return 0, false
			}
			j++
		}
	}
	return j, true
}

// secretKey reports whether a key names a secret: it ends (ASCII case
// folded) in one of the words below, so subject_token, access_token,
// PACKAGEMANAGER_TOKEN and client_secret count, and
// PACKAGEMANAGER_IDENTITY_TOKEN_FILE does not.
func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"token", "password", "secret", "code_verifier", "device_code", "passwd"} {
		if strings.HasSuffix(k, w) {
			return true
		}
	}
	return false
}

func isKeyByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// valueEnd returns the end of an unquoted value starting at i: the next
// white space, '&', quote, ',', ';', ')' or end of text.
func valueEnd(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '&', '"', '\'', ',', ';', ')':
			return i
		}
		i++
	}
	return i
}

// keyValues finds the values of secret keys in key=value and JSON
// "key": "value" form.
func keyValues(s string) []span {
	var spans []span
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '=' && c != '"' {
			continue
		}
		if c == '=' {
			k := i
			for k > 0 && isKeyByte(s[k-1]) {
				k--
			}
			end := valueEnd(s, i+1)
			if k == i || end == i+1 || !secretKey(s[k:i]) || s[i+1:end] == Marker {
				continue
			}
			spans = append(spans, span{i + 1, end})
			i = end - 1
			continue
		}
		// c == '"': a JSON key "key" followed by : and a string value.
		k := i + 1
		for k < len(s) && isKeyByte(s[k]) {
			k++
		}
		if k == i+1 || k >= len(s) || s[k] != '"' || !secretKey(s[i+1:k]) {
			continue
		}
		v := k + 1
		for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
			v++
		}
		if v >= len(s) || s[v] != ':' {
			continue
		}
		v++
		for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
			v++
		}
		if v >= len(s) || s[v] != '"' {
			continue
		}
		end := v + 1
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(s))
		if s[v+1:end] == Marker || end == v+1 {
			i = end
			continue
		}
		spans = append(spans, span{v + 1, end})
		i = end - 1
	}
	return spans
}

// userinfo finds the password in scheme://user:password@host.
func userinfo(s string) []span {
	var spans []span
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			break
		}
		start := from + i + 3
		end := start
		for end < len(s) && !strings.ContainsRune("/?# \t\n\r\"'<>", rune(s[end])) {
			end++
		}
		from = end
		auth := s[start:end]
		at := strings.LastIndexByte(auth, '@')
		if at < 0 {
			continue
		}
		colon := strings.IndexByte(auth[:at], ':')
		if colon < 0 || auth[colon+1:at] == Marker {
			continue
		}
		spans = append(spans, span{start + colon + 1, start + at})
	}
	return spans
}

// authSchemes finds the credential after "Bearer " or "Basic " when it
// looks like one (token68 characters, at least 16 of them), so that prose
// such as "Basic authentication" stays.
func authSchemes(s string) []span {
	var spans []span
	for i := 0; i < len(s); i++ {
		var n int
		switch {
		case hasPrefixFold(s[i:], "bearer "):
			n = len("bearer ")
		case hasPrefixFold(s[i:], "basic "):
			n = len("basic ")
		default:
			continue
		}
		if i > 0 && isKeyByte(s[i-1]) {
			continue
		}
		v := i + n
		end := v
		for end < len(s) && (isB64URL(s[end]) || strings.IndexByte(".~+/=", s[end]) >= 0) {
			end++
		}
		if end-v < 16 || strings.HasPrefix(s[v:], Marker) {
			continue
		}
		spans = append(spans, span{v, end})
		i = end - 1
	}
	return spans
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
