package platform

import (
	"errors"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// FuzzFileStoreParse feeds arbitrary bytes to the file store as the
// content of tokens.toml, through the functions Get, Set and Delete run
// between reading and writing the file (getToken, rewrite), so that it runs
// at parser speed rather than fsync speed; the file I/O around them has its
// own tests. It never panics and never puts a token in an error; content
// that does not parse is refused by Get and by the writes (so the file is
// left as it was); after a Set, Get returns the token and every other entry
// and top-level key is still there; after Delete the address is gone and the
// others are still there. Seeds: testdata/fuzz/FuzzFileStoreParse.
func FuzzFileStoreParse(f *testing.F) {
	f.Add([]byte("[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"eyJ.a.b\"\nauth_type = \"sso\"\n"))
	f.Add([]byte("[[connection]]\nurl = \"https://ppm.example.com/\"\ntoken = \"eyJ.a.b\"\nmethod = \"sso\"\n"))
	f.Add([]byte("x = 1\n[t]\ny = [1, {z = 2}]\n[[connections]]\naddress = \"https://a.example.com\"\ntoken = \"t\"\nk = 1979-05-27\n"))
	const path = "/home/me/.ppm/tokens.toml"
	const address = "https://ppm.example.com"
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c2ln"
	set := func(doc map[string]any) error { return setToken(doc, path, address, token) }
	del := func(doc map[string]any) error { return deleteToken(doc, path, address) }
	f.Fuzz(func(t *testing.T, data []byte) {
		_, getErr := getToken(path, data, address)
		noToken(t, getErr, token)

		before, parseErr := parseTokensFile(path, data)
		var others map[string]string
		if parseErr == nil {
			others, parseErr = otherEntries(before, path, address)
		}
		if parseErr != nil && (getErr == nil || errors.Is(getErr, ErrNotFound)) {
			t.Fatalf("Get of content that does not parse (%v) = %v; want that error", parseErr, getErr)
		}

		out, err := rewrite(path, data, set)
		noToken(t, err, token)
		if err != nil {
			if parseErr == nil {
				t.Fatalf("Set failed on content that parses: %v", err)
			}
			return
		}
		if parseErr != nil {
			t.Fatalf("Set succeeded on content that does not parse (%v)", parseErr)
		}
		if got, err := getToken(path, out, address); err != nil || got != token {
			t.Fatalf("Get after Set = (%q, %v); want the token; the file:\n%s", got, err, out)
		}
		after, err := parseTokensFile(path, out)
		if err != nil {
			t.Fatalf("the content Set wrote does not parse: %v", err)
		}
		checkKept(t, "Set", before, after, others)

		out, err = rewrite(path, out, del)
		if err != nil {
			t.Fatalf("Delete after Set: %v", err)
		}
		if _, err := getToken(path, out, address); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after Delete = %v; want ErrNotFound", err)
		}
		after, err = parseTokensFile(path, out)
		if err != nil {
			t.Fatalf("the content Delete wrote does not parse: %v", err)
		}
		checkKept(t, "Delete", before, after, others)
	})
}

func noToken(t *testing.T, err error, token string) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), token) {
		t.Fatalf("an error contains the token: %v", err)
	}
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
			if !ok || addr.Same(a, address) {
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
