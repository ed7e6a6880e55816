package platform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzFileStoreParse feeds arbitrary bytes to the file store as tokens.toml.
// It never panics; a file it cannot parse is left byte for byte as it was;
// after a successful Set, Get returns the token and every other entry and
// top-level key is still there; after Delete the address is gone and the
// others still are. Seeds: testdata/fuzz/FuzzFileStoreParse.
func FuzzFileStoreParse(f *testing.F) {
	f.Add([]byte("[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"eyJ.a.b\"\nauth_type = \"sso\"\n"))
	f.Add([]byte("[[connection]]\nurl = \"https://ppm.example.com/\"\ntoken = \"eyJ.a.b\"\nmethod = \"sso\"\n"))
	f.Add([]byte("x = 1\n[t]\ny = [1, {z = 2}]\n[[connections]]\naddress = \"https://a.example.com\"\ntoken = \"t\"\nk = 1979-05-27\n"))
	dir := f.TempDir()
	const address = "https://ppm.example.com"
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c2ln"
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "tokens.toml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s := NewFileStore(path)
		_, getErr := s.Get(address)

		before, parseErr := parseTokensFile(path, data)
		var others map[string]string
		if parseErr == nil {
			others, parseErr = otherEntries(before, path, address)
		}
		if parseErr != nil {
			if getErr == nil || errors.Is(getErr, ErrNotFound) {
				t.Fatalf("Get of a file that does not parse (%v) = %v; want that error", parseErr, getErr)
			}
		}

		if err := s.Set(address, token); err != nil {
			if strings.Contains(err.Error(), token) {
				t.Fatalf("the error contains the token: %v", err)
			}
			if got := readFile(t, path); got != string(data) {
				t.Fatalf("Set failed (%v) but changed the file", err)
			}
			if parseErr == nil {
				t.Fatalf("Set failed on a file that parses: %v", err)
			}
			return
		}
		if parseErr != nil {
			t.Fatalf("Set succeeded on a file that does not parse (%v)", parseErr)
		}
		if got, err := s.Get(address); err != nil || got != token {
			t.Fatalf("Get after Set = (%q, %v); want the token", got, err)
		}
		after, err := parseTokensFile(path, []byte(readFile(t, path)))
		if err != nil {
			t.Fatalf("the file Set wrote does not parse: %v", err)
		}
		checkKept(t, "Set", before, after, others)

		if err := s.Delete(address); err != nil {
			t.Fatalf("Delete after Set: %v", err)
		}
		if _, err := s.Get(address); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after Delete = %v; want ErrNotFound", err)
		}
		after, err = parseTokensFile(path, []byte(readFile(t, path)))
		if err != nil {
			t.Fatalf("the file Delete wrote does not parse: %v", err)
		}
		checkKept(t, "Delete", before, after, others)
	})
}

// otherEntries maps the address of each entry, in either schema, that is not
// for address to its token (as Get reads it).
func otherEntries(doc map[string]any, path, address string) (map[string]string, error) {
	out := map[string]string{}
	for _, schema := range [][2]string{{"connection", "url"}, {"connections", "address"}} {
		list, err := tableList(doc, path, schema[0])
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			a, ok := e[schema[1]].(string)
			if !ok || sameAddress(a, address) {
				continue
			}
			if tok := stringField(e, "token"); tok != "" || out[a] == "" {
				out[a] = tok
			}
		}
	}
	return out, nil
}

// checkKept fails t unless after still holds every top-level key of before
// (other than the two connection lists) unchanged, and every other entry.
func checkKept(t *testing.T, op string, before, after map[string]any, others map[string]string) {
	t.Helper()
	rest := func(doc map[string]any) string {
		m := map[string]any{}
		for k, v := range doc {
			if k != "connections" && k != "connection" {
				m[k] = v
			}
		}
		out, err := encodeTokensFile("x", m)
		if err != nil {
			t.Fatalf("encoding the rest of the document: %v", err)
		}
		return string(out)
	}
	if b, a := rest(before), rest(after); b != a {
		t.Fatalf("%s changed keys it does not own:\nbefore:\n%s\nafter:\n%s", op, b, a)
	}
	for a, tok := range others {
		got, err := lookupToken(after, "x", a)
		if err != nil || (tok != "" && got == "") {
			t.Fatalf("%s lost the entry for %q (%v)", op, a, err)
		}
	}
}
