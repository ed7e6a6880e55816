package platform

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// This file is the pure half of the file store: tokens.toml parsed into
// generic maps (github.com/pelletier/go-toml/v2), looked up, changed and
// written back, with no file I/O.

// getToken is Get on data, the content of the tokens file at path (nil when
// there is none).
func getToken(path string, data []byte, address string) (string, error) {
	doc, err := parseTokensFile(path, data)
	if err != nil {
		return "", err
	}
	tok, err := lookupToken(doc, path, address)
	if err != nil {
		return "", err
	}
	if tok == "" {
		return "", ErrNotFound
	}
	return tok, nil
}

// rewrite is the pure half of a write: it parses data (the file's content,
// nil when there is none), applies change and returns the new content.
func rewrite(path string, data []byte, change func(doc map[string]any) error) ([]byte, error) {
	doc, err := parseTokensFile(path, data)
	if err != nil {
		return nil, err
	}
	if err := change(doc); err != nil {
		return nil, err
	}
	return encodeTokensFile(path, doc)
}

// maxTableDepth bounds how deep the tables of tokens.toml may nest (its
// entries nest two deep). Writing a document back repeats every enclosing
// key in each table's header, so a deeper one (a key of thousands of dotted
// parts) would cost time and memory quadratic in its depth.
const maxTableDepth = 100

// utf8BOM is the byte order mark some Windows editors put at the start of a
// file; TOML parsers differ on it, so it is dropped before parsing.
var utf8BOM = []byte("\ufeff")

// parseTokensFile parses tokens.toml into generic maps, so that writing it
// back keeps what this store does not know. Values decode as go-toml's
// generic types (local dates and times as its Local* types, which it
// writes back as they were read).
func parseTokensFile(path string, data []byte) (map[string]any, error) {
	doc := map[string]any{}
	if err := toml.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &doc); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			line, col := derr.Position()
			return nil, fmt.Errorf("the tokens file %s is not valid TOML at line %d, column %d (%s); fix or remove that line (other tools share this file, so it is not overwritten)",
				path, line, col, redactQuoted(strings.TrimPrefix(derr.Error(), "toml: ")))
		}
		return nil, fmt.Errorf("the tokens file %s is not valid TOML; fix it or move it away (other tools share this file, so it is not overwritten)", path)
	}
	if tableDepth(doc, 0) > maxTableDepth {
		return nil, fmt.Errorf("the tokens file %s nests tables more than %d deep, which is not a tokens file; fix it or move it away (other tools share this file, so it is not overwritten)", path, maxTableDepth)
	}
	return doc, nil
}

// tableDepth is how deep tables nest in v (inside arrays too), counting
// from depth; it stops counting past maxTableDepth.
func tableDepth(v any, depth int) int {
	if depth > maxTableDepth {
		return depth
	}
	deepest := depth
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			deepest = max(deepest, tableDepth(e, depth+1))
		}
	case []any:
		for _, e := range v {
			deepest = max(deepest, tableDepth(e, depth))
		}
	case []map[string]any:
		for _, e := range v {
			deepest = max(deepest, tableDepth(e, depth))
		}
	}
	return deepest
}

// quotedRuns returns where msg has quoted text: '…' (no ' inside), or
// "…" with backslash escapes (a backslash and the character after it,
// which is not a line break). It scans by hand rather than with a
// regular expression, so that the binary links no regexp package: its
// initialisation (and unicode's tables) would cost every git request.
func quotedRuns(msg string) [][2]int {
	var runs [][2]int
	for i := 0; i < len(msg); i++ {
		end := -1
		switch msg[i] {
		case '\'':
			if j := strings.IndexByte(msg[i+1:], '\''); j >= 0 {
				end = i + 1 + j + 1
			}
		case '"':
			for j := i + 1; j < len(msg); j++ {
				if msg[j] == '"' {
					end = j + 1
					break
				}
				if msg[j] == '\\' {
					if j+1 >= len(msg) || msg[j+1] == '\n' {
						break
					}
					j++
				}
			}
		}
		if end > 0 {
			runs = append(runs, [2]int{i, end})
			i = end - 1
		}
	}
	return runs
}

// redactQuoted replaces quoted text longer than a few characters in a TOML
// error message, except key names: the parser quotes pieces of the file,
// which may be a token.
func redactQuoted(msg string) string {
	var b strings.Builder
	last := 0
	for _, m := range quotedRuns(msg) {
		q := msg[m[0]:m[1]]
		b.WriteString(msg[last:m[0]])
		last = m[1]
		if len(q) <= 6 || strings.HasSuffix(msg[:m[0]], "Key ") { // a quoted rune or escape ('x', '\u00e9'), or a key
			b.WriteString(q)
			continue
		}
		b.WriteString(q[:1] + "…" + q[len(q)-1:])
	}
	b.WriteString(msg[last:])
	msg = b.String()
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// encodeTokensFile writes doc as TOML and checks that it reads back.
func encodeTokensFile(path string, doc map[string]any) ([]byte, error) {
	var out bytes.Buffer
	if err := toml.NewEncoder(&out).Encode(doc); err != nil {
		return nil, fmt.Errorf("could not write the tokens file %s back (%v); it was left as it was", path, err)
	}
	if err := toml.Unmarshal(out.Bytes(), &map[string]any{}); err != nil {
		return nil, fmt.Errorf("could not write the tokens file %s back: its content does not survive a round trip; it was left as it was", path)
	}
	return out.Bytes(), nil
}

// tableList returns the array of tables doc[key]; nil when absent. Arrays of
// inline tables count too.
func tableList(doc map[string]any, path, key string) ([]map[string]any, error) {
	v, ok := doc[key]
	if !ok {
		return nil, nil
	}
	switch v := v.(type) {
	case []map[string]any:
		return v, nil
	case []any:
		list := make([]map[string]any, 0, len(v))
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, shapeError(path, key)
			}
			list = append(list, m)
		}
		return list, nil
	}
	return nil, shapeError(path, key)
}

func shapeError(path, key string) error {
	return fmt.Errorf("in the tokens file %s, %q is not a list of [[%s]] tables; fix it by hand (other tools share this file, so it is not overwritten)", path, key, key)
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// lookupToken finds the token for address: an exact match first, then a
// trailing-slash variant, in the current schema and then the old one. ""
// when there is none.
func lookupToken(doc map[string]any, path, address string) (string, error) {
	conns, err := tableList(doc, path, "connections")
	if err != nil {
		return "", err
	}
	old, err := tableList(doc, path, "connection")
	if err != nil {
		return "", err
	}
	for _, set := range []struct {
		list []map[string]any
		key  string
	}{{conns, "address"}, {old, "url"}} {
		variant := ""
		for _, e := range set.list {
			a, tok := stringField(e, set.key), entryToken(e)
			if stringField(e, "token") == "" || !addr.Same(a, address) {
				continue
			}
			if a == address {
				return tok, nil
			}
			if variant == "" {
				variant = tok
			}
		}
		if variant != "" {
			return variant, nil
		}
	}
	return "", nil
}

// migrateOldEntries rewrites [[connection]] entries (url, token, method) as
// [[connections]] entries (address, token, auth_type), keeping their other
// keys. An old entry whose address already has a current entry with a token
// is dropped, and so is a later old entry for the same address, unless it
// holds the token the earlier one lacks (the one lookupToken reads); one
// without a url stays where it is.
func migrateOldEntries(doc map[string]any, path string) ([]map[string]any, error) {
	conns, err := tableList(doc, path, "connections")
	if err != nil {
		return nil, err
	}
	old, err := tableList(doc, path, "connection")
	if err != nil {
		return nil, err
	}
	if _, ok := doc["connection"]; !ok {
		return conns, nil
	}
	have := map[string]bool{} // addresses with a token in the current schema
	for _, e := range conns {
		if stringField(e, "token") != "" {
			have[stringField(e, "address")] = true
		}
	}
	// The old entry to migrate for each url: its first with a token, else
	// its first.
	pick := map[string]int{}
	for i, e := range old {
		url := stringField(e, "url")
		if j, seen := pick[url]; !seen || (stringField(old[j], "token") == "" && stringField(e, "token") != "") {
			pick[url] = i
		}
	}
	var keep []map[string]any
	for i, e := range old {
		url := stringField(e, "url")
		if url == "" {
			keep = append(keep, e)
			continue
		}
		if have[url] || pick[url] != i {
			continue
		}
		n := make(map[string]any, len(e))
		for k, v := range e {
			n[k] = v
		}
		delete(n, "url")
		delete(n, "method")
		n["address"] = url
		n["auth_type"] = authTypeSSO
		if m := stringField(e, "method"); m != "" {
			n["auth_type"] = m
		}
		conns = append(conns, n)
	}
	if len(keep) > 0 {
		doc["connection"] = keep
	} else {
		delete(doc, "connection")
	}
	return conns, nil
}

func putConnections(doc map[string]any, conns []map[string]any) {
	if len(conns) == 0 {
		delete(doc, "connections")
		return
	}
	doc["connections"] = conns
}

// setToken replaces the entries for address (or its trailing-slash variant)
// with one entry, in the place of the first, keeping its unknown keys.
func setToken(doc map[string]any, path, address, token string) error {
	conns, err := migrateOldEntries(doc, path)
	if err != nil {
		return err
	}
	var out []map[string]any
	done := false
	for _, e := range conns {
		a, ok := e["address"].(string)
		if !ok || !addr.Same(a, address) {
			out = append(out, e)
			continue
		}
		if done {
			continue // a second entry for the same address
		}
		e["address"] = address
		setEntryToken(e, token)
		e["auth_type"] = authTypeSSO
		out = append(out, e)
		done = true
	}
	if !done {
		e := map[string]any{"address": address, "auth_type": authTypeSSO}
		setEntryToken(e, token)
		out = append(out, e)
	}
	putConnections(doc, out)
	return nil
}

// deleteToken removes every entry for address (or its trailing-slash
// variant), in either schema; ErrNotFound when there is none (the caller then
// writes nothing).
func deleteToken(doc map[string]any, path, address string) error {
	conns, err := migrateOldEntries(doc, path)
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, e := range conns {
		if a, ok := e["address"].(string); ok && addr.Same(a, address) {
			continue
		}
		out = append(out, e)
	}
	if len(out) == len(conns) {
		return ErrNotFound
	}
	putConnections(doc, out)
	return nil
}
