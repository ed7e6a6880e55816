package platform

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/posit-dev/git-credential-ppm/internal/filelock"
	"github.com/posit-dev/git-credential-ppm/internal/safefile"
	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

const (
	tokA = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sigA"
	tokB = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiIn0.sigB"
	tokN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJuIn0.sigNEW"
)

// newTestFileStore returns a store at a temporary tokens.toml holding
// content (no file when content is "<missing>").
func newTestFileStore(t *testing.T, content string) *FileStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".ppm", "tokens.toml")
	if content != "<missing>" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return NewFileStore(path)
}

func TestFileStoreGet(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		address string
		want    string // "" = ErrNotFound
	}{
		{"missing file", "<missing>", "https://ppm.example.com", ""},
		{"empty file", "", "https://ppm.example.com", ""},
		{"only comments", "# nothing here\n\n", "https://ppm.example.com", ""},
		{"current schema", `
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
auth_type = "sso"
`, "https://ppm.example.com", tokA},
		{"another address", `
[[connections]]
address = "https://other.example.com"
token = "` + tokA + `"
`, "https://ppm.example.com", ""},
		{"stored with slash, asked without", `
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokA + `"
`, "https://ppm.example.com", tokA},
		{"stored without slash, asked with", `
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
`, "https://ppm.example.com/", tokA},
		{"exact match wins over the slash variant", `
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokB + `"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
`, "https://ppm.example.com", tokA},
		{"port and path matter", `
[[connections]]
address = "https://ppm.example.com:8443"
token = "` + tokB + `"
[[connections]]
address = "https://ppm.example.com/cran"
token = "` + tokB + `"
`, "https://ppm.example.com", ""},
		{"old schema", `
[[connection]]
url = "https://ppm.example.com"
token = "` + tokA + `"
method = "sso"
`, "https://ppm.example.com", tokA},
		{"old schema, slash variant", `
[[connection]]
url = "https://ppm.example.com/"
token = "` + tokA + `"
`, "https://ppm.example.com", tokA},
		{"mixed: the current schema wins", `
[[connection]]
url = "https://ppm.example.com"
token = "` + tokB + `"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
`, "https://ppm.example.com", tokA},
		{"mixed: other address from the old schema", `
[[connections]]
address = "https://a.example.com"
token = "` + tokB + `"
[[connection]]
url = "https://ppm.example.com"
token = "` + tokA + `"
`, "https://ppm.example.com", tokA},
		{"unknown keys and tables", `
version = 3
[settings]
color = true
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
auth_type = "sso"
expires = 2026-01-01T00:00:00Z
[connections.extra]
x = 1
[[other]]
address = "https://ppm.example.com"
token = "not this one"
`, "https://ppm.example.com", tokA},
		{"comments everywhere", `# written by pak
[[connections]] # first
address = "https://ppm.example.com" # ours
# token below
token = "` + tokA + `"
`, "https://ppm.example.com", tokA},
		{"inline tables", `connections = [{address = "https://ppm.example.com", token = "` + tokA + `"}]
`, "https://ppm.example.com", tokA},
		{"empty list", "connections = []\n", "https://ppm.example.com", ""},
		{"literal strings, CRLF and a BOM", "\ufeff[[connections]]\r\naddress = 'https://ppm.example.com'\r\ntoken = '" + tokA + "'\r\n", "https://ppm.example.com", tokA},
		{"token that is not a string", `
[[connections]]
address = "https://ppm.example.com"
token = 12
`, "https://ppm.example.com", ""},
		{"empty token", `
[[connections]]
address = "https://ppm.example.com"
token = ""
`, "https://ppm.example.com", ""},
		{"entry without address", `
[[connections]]
token = "` + tokB + `"
`, "https://ppm.example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFileStore(t, tt.file)
			got, err := s.Get(tt.address)
			if tt.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("Get(%q) = (%q, %v); want ErrNotFound", tt.address, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Get(%q) = (%q, %v); want %q", tt.address, got, err, tt.want)
			}
		})
	}
}

// badFiles are tokens files the store must refuse to read and to overwrite.
var badFiles = []struct {
	name string
	file string
	line string // the error names this line
}{
	{"unterminated string", "[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + tokA + "\n", "line 3"},
	{"bad escape inside a token", "[[connections]]\naddress = \"https://ppm.example.com\"\n\n\ntoken = \"" + tokA + "\\Uzzzz\"\n", "line 5"},
	{"bare token", "[[connections]]\ntoken = " + tokA + "\n", "line 2"},
	{"duplicate key", "[[connections]]\naddress = \"a\"\naddress = \"b\"\n", "line 3"},
	{"binary", "\x00\x01\x02" + tokA, "line 1"},
	{"connections is a string", "connections = \"" + tokA + "\"\n", "connections"},
	{"connections is a table", "[connections]\naddress = \"https://ppm.example.com\"\ntoken = \"" + tokA + "\"\n", "connections"},
	{"connection holds numbers", "connection = [1, 2]\n", "connection"},
}

func TestFileStoreRefusesMalformedFiles(t *testing.T) {
	for _, tt := range badFiles {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFileStore(t, tt.file)
			_, err := s.Get("https://ppm.example.com")
			checkFileError(t, "Get", err, s.path, tt.line)
			for op, f := range map[string]func() error{
				"Set":    func() error { return s.Set("https://ppm.example.com", tokN) },
				"Delete": func() error { return s.Delete("https://ppm.example.com") },
			} {
				checkFileError(t, op, f(), s.path, tt.line)
				if got := filetest.ReadFile(t, s.path); got != tt.file {
					t.Fatalf("%s changed a file it could not parse:\n%s", op, got)
				}
			}
		})
	}
}

func checkFileError(t *testing.T, op string, err error, path, line string) {
	t.Helper()
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("%s = %v; want an error saying the file is malformed", op, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, line) {
		t.Errorf("%s error %q should name the file and %q", op, msg, line)
	}
	for _, secret := range []string{tokA, "eyJzdWIiOiJhIn0", tokN} {
		if strings.Contains(msg, secret) {
			t.Errorf("%s error contains (part of) a token: %q", op, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("%s error spans several lines: %q", op, msg)
	}
}

// sameTOML fails t unless got and want parse to the same document.
func sameTOML(t *testing.T, got, want string) {
	t.Helper()
	var g, w map[string]any
	if _, err := toml.Decode(got, &g); err != nil {
		t.Fatalf("the store wrote invalid TOML (%v):\n%s", err, got)
	}
	if _, err := toml.Decode(want, &w); err != nil {
		t.Fatalf("bad test: %v", err)
	}
	if !reflect.DeepEqual(normalizeTOML(g), normalizeTOML(w)) {
		t.Fatalf("the file holds:\n%s\nwant the same document as:\n%s", got, want)
	}
}

// normalizeTOML turns []map[string]any into []any so that arrays of tables
// and arrays of inline tables compare equal.
func normalizeTOML(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalizeTOML(e)
		}
		return m
	case []map[string]any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = normalizeTOML(e)
		}
		return l
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = normalizeTOML(e)
		}
		return l
	}
	return v
}

func TestFileStoreSet(t *testing.T) {
	const addr = "https://ppm.example.com"
	tests := []struct {
		name    string
		file    string
		address string
		want    string // the document after Set(address, tokN)
	}{
		{"missing file", "<missing>", addr, `
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
`},
		{"empty file", "", addr + "/", `
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokN + `"
auth_type = "sso"
`},
		{"appends, keeping other entries and keys", `
# a comment (not kept)
version = 3
[settings]
color = true
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
auth_type = "sso"
mine = "pak"
[[other]]
name = "x"
`, addr, `
version = 3
[settings]
color = true
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
auth_type = "sso"
mine = "pak"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
[[other]]
name = "x"
`},
		{"replaces in place, keeping unknown keys of the entry", `
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
auth_type = "password"
expires = 2026-01-01T00:00:00Z
note = "keep me"
[connections.meta]
by = "rspm"
[[connections]]
address = "https://b.example.com"
token = "` + tokB + `"
`, addr, `
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
expires = 2026-01-01T00:00:00Z
note = "keep me"
[connections.meta]
by = "rspm"
[[connections]]
address = "https://b.example.com"
token = "` + tokB + `"
`},
		{"slash variant replaced, address written as given", `
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokA + `"
auth_type = "sso"
`, addr, `
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
`},
		{"both variants become one entry", `
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokA + `"
[[connections]]
address = "https://b.example.com"
token = "` + tokB + `"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
`, addr + "/", `
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokN + `"
auth_type = "sso"
[[connections]]
address = "https://b.example.com"
token = "` + tokB + `"
`},
		{"old schema rewritten in the current one", `
[[connection]]
url = "https://a.example.com"
token = "` + tokA + `"
method = "sso"
extra = 1
[[connection]]
url = "https://b.example.com"
token = "` + tokB + `"
`, addr, `
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
auth_type = "sso"
extra = 1
[[connections]]
address = "https://b.example.com"
token = "` + tokB + `"
auth_type = "sso"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
`},
		{"old entry for the same address replaced", `
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
[[connection]]
url = "https://ppm.example.com"
token = "` + tokB + `"
method = "sso"
`, addr, `
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
`},
		{"old entry shadowed by a current one dropped; one without url kept", `
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
[[connection]]
url = "https://a.example.com"
token = "` + tokB + `"
[[connection]]
name = "no url"
`, addr, `
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
[[connection]]
name = "no url"
`},
		{"inline tables and entries we do not understand", `connections = [{address = "https://a.example.com", token = "` + tokA + `"}, {address = 7}]
`, addr, `
[[connections]]
address = "https://a.example.com"
token = "` + tokA + `"
[[connections]]
address = 7
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
`},
		{"values of every TOML type survive", `
s = "x"
ml = """
two
lines"""
i = -17
f = 1.5
inf = inf
b = false
odt = 1979-05-27T07:32:00-08:00
ldt = 1979-05-27T07:32:00
ld = 1979-05-27
lt = 07:32:00
arr = [1, "two", [3.0], {four = 4}]
"quoted key" = 1
a.b.c = "dotted"
`, addr, `
s = "x"
ml = "two\nlines"
i = -17
f = 1.5
inf = inf
b = false
odt = 1979-05-27T07:32:00-08:00
ldt = 1979-05-27T07:32:00
ld = 1979-05-27
lt = 07:32:00
arr = [1, "two", [3.0], {four = 4}]
"quoted key" = 1
a.b.c = "dotted"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokN + `"
auth_type = "sso"
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFileStore(t, tt.file)
			if err := s.Set(tt.address, tokN); err != nil {
				t.Fatalf("Set: %v", err)
			}
			sameTOML(t, filetest.ReadFile(t, s.path), tt.want)
			if got, err := s.Get(tt.address); err != nil || got != tokN {
				t.Fatalf("Get after Set = (%q, %v); want the new token", got, err)
			}
		})
	}
}

func TestFileStoreDelete(t *testing.T) {
	const addr = "https://ppm.example.com"
	tests := []struct {
		name string
		file string
		want string // the document after Delete(addr); "" = ErrNotFound, file unchanged
	}{
		{"missing file", "<missing>", ""},
		{"no entry", "[[connections]]\naddress = \"https://a.example.com\"\ntoken = \"" + tokA + "\"\n", ""},
		{"only an entry for another port", "[[connections]]\naddress = \"https://ppm.example.com:8443\"\ntoken = \"" + tokA + "\"\n", ""},
		{"both variants removed, others kept", `
top = 1
[[connections]]
address = "https://ppm.example.com/"
token = "` + tokA + `"
[[connections]]
address = "https://a.example.com"
token = "` + tokB + `"
x = "kept"
[[connections]]
address = "https://ppm.example.com"
token = "` + tokA + `"
`, `
top = 1
[[connections]]
address = "https://a.example.com"
token = "` + tokB + `"
x = "kept"
`},
		{"old schema entry removed, the rest rewritten", `
[[connection]]
url = "https://ppm.example.com"
token = "` + tokA + `"
[[connection]]
url = "https://a.example.com"
token = "` + tokB + `"
method = "sso"
`, `
[[connections]]
address = "https://a.example.com"
token = "` + tokB + `"
auth_type = "sso"
`},
		{"last entry removed", "[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + tokA + "\"\n", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFileStore(t, tt.file)
			err := s.Delete(addr)
			if tt.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("Delete = %v; want ErrNotFound", err)
				}
				if tt.file == "<missing>" {
					if _, err := os.Stat(filepath.Dir(s.path)); !errors.Is(err, os.ErrNotExist) {
						t.Fatalf("Delete without a tokens file created its directory (%v)", err)
					}
				} else if filetest.ReadFile(t, s.path) != tt.file {
					t.Fatalf("Delete of a missing entry rewrote the file")
				}
				return
			}
			if err != nil {
				t.Fatalf("Delete: %v", err)
			}
			sameTOML(t, filetest.ReadFile(t, s.path), tt.want)
			if _, err := s.Get(addr); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete = %v; want ErrNotFound", err)
			}
		})
	}
}

func TestFileStoreRejectsEmptyInput(t *testing.T) {
	s := newTestFileStore(t, "<missing>")
	if err := s.Set("", tokA); err == nil {
		t.Error("Set with an empty address succeeded")
	}
	if err := s.Set("https://ppm.example.com", ""); err == nil {
		t.Error("Set with an empty token succeeded")
	}
	if _, err := os.Stat(s.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused Set created the file (%v)", err)
	}
	if _, err := NewFileStore("").Get("https://ppm.example.com"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get on a store without a path = %v; want an error", err)
	}
	if err := NewFileStore("").Set("https://ppm.example.com", tokA); err == nil {
		t.Error("Set on a store without a path succeeded")
	}
}

func TestFileStoreDirectoryAsFile(t *testing.T) {
	s := NewFileStore(t.TempDir())
	if _, err := s.Get("https://ppm.example.com"); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("Get with a directory as the tokens file = %v; want an error saying so", err)
	}
}

func TestFileStorePermissions(t *testing.T) {
	filetest.SkipOnWindows(t, "Unix permissions")
	s := newTestFileStore(t, "<missing>")
	if err := s.Set("https://ppm.example.com", tokA); err != nil {
		t.Fatal(err)
	}
	filetest.WantMode(t, filepath.Dir(s.path), 0o700)
	filetest.WantMode(t, s.path, 0o600)
	filetest.WantMode(t, s.path+".lock", 0o600)

	t.Run("readable by others is tightened on read", func(t *testing.T) {
		if err := os.Chmod(s.path, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get("https://ppm.example.com"); err != nil || got != tokA {
			t.Fatalf("Get = (%q, %v)", got, err)
		}
		filetest.WantMode(t, s.path, 0o600)
	})
	t.Run("readable by others is tightened on write", func(t *testing.T) {
		if err := os.Chmod(s.path, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("https://b.example.com", tokB); err != nil {
			t.Fatal(err)
		}
		filetest.WantMode(t, s.path, 0o600)
	})
	t.Run("writable by anyone is refused", func(t *testing.T) {
		if err := os.Chmod(s.path, 0o666); err != nil {
			t.Fatal(err)
		}
		before := filetest.ReadFile(t, s.path)
		_, err := s.Get("https://ppm.example.com")
		if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), tokA) {
			t.Fatalf("Get of a world-writable file = %v; want a refusal saying to chmod 600", err)
		}
		if err := s.Set("https://ppm.example.com", tokN); err == nil {
			t.Fatal("Set on a world-writable file succeeded")
		}
		if filetest.ReadFile(t, s.path) != before {
			t.Fatal("Set changed a world-writable file it refused")
		}
	})
	t.Run("an existing directory keeps its mode", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := NewFileStore(filepath.Join(dir, "tokens.toml"))
		if err := s.Set("https://ppm.example.com", tokA); err != nil {
			t.Fatal(err)
		}
		filetest.WantMode(t, dir, 0o755)
		filetest.WantMode(t, s.path, 0o600)
	})
}

func TestFileStoreAtomicReplace(t *testing.T) {
	s := newTestFileStore(t, "<missing>")
	if err := s.Set("https://a.example.com", tokA); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" { // Windows cannot rename over an open file
		old, err := safefile.OpenForRead(s.path)
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		if err := s.Set("https://a.example.com", tokB); err != nil {
			t.Fatalf("Set while a reader has the file open: %v", err)
		}
		// The reader still sees the whole old file: the new one was renamed
		// over it, not written into it.
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(old); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), tokA) || strings.Contains(buf.String(), tokB) {
			t.Errorf("a reader of the old file sees %q; want the old content", buf.String())
		}
	}
	if err := s.Set("https://b.example.com", tokB); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(s.path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"tokens.toml", "tokens.toml.lock"}; !reflect.DeepEqual(names, want) {
		t.Errorf("the directory holds %q; want %q (no temporary files left)", names, want)
	}
}

// TestFileStoreRefusesASymlink: tokens.toml that is a symbolic link — even
// to a file of the user's own — is never followed, for reading or writing
// (docs/contract.md §8): one sentence naming the link and what to do, and
// the file it points to keeps its bytes and its mode.
func TestFileStoreRefusesASymlink(t *testing.T) {
	filetest.SkipOnWindows(t, "symlinks (a privilege there)")
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "tokens.toml")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	content := "[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + tokA + "\"\n"
	if err := os.WriteFile(real, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "tokens.toml")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("cannot create a symlink here: %v", err)
	}
	s := NewFileStore(link)
	for name, op := range map[string]func() error{
		"get":    func() error { _, err := s.Get("https://ppm.example.com"); return err },
		"set":    func() error { return s.Set("https://ppm.example.com", tokB) },
		"delete": func() error { return s.Delete("https://ppm.example.com") },
		"check":  func() error { return CheckTokenDir(link) },
	} {
		err := op()
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "the tokens file "+link+" is a symbolic link") || !strings.Contains(err.Error(), "remove the link") || strings.Contains(err.Error(), tokA) {
			t.Errorf("%s through a link: %v; want the refusal naming the link", name, err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced (%v)", err)
	}
	if got := filetest.ReadFile(t, real); got != content {
		t.Errorf("the link's target changed:\n%s", got)
	}
	if fi, err := os.Stat(real); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target's mode changed: %v", fi.Mode())
	}
}

func TestFileStoreLockTimeout(t *testing.T) {
	s := newTestFileStore(t, "")
	s.lockTimeout = 50 * time.Millisecond
	unlock, err := filelock.Lock(context.Background(), s.path+".lock", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	err = s.Set("https://ppm.example.com", tokA)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), s.path+".lock") {
		t.Fatalf("Set while the lock is held = %v; want a timeout naming the lock file", err)
	}
	if got := filetest.ReadFile(t, s.path); got != "" {
		t.Fatalf("Set wrote %q after giving up on the lock", got)
	}
	// Readers take no lock.
	if _, err := s.Get("https://ppm.example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get while the lock is held = %v; want ErrNotFound", err)
	}
}

func TestFileStoreDescribe(t *testing.T) {
	s := NewFileStore("/home/me/.ppm/tokens.toml")
	if got, want := s.Describe(), "file (/home/me/.ppm/tokens.toml)"; got != want {
		t.Errorf("Describe() = %q; want %q", got, want)
	}
	s.reason = "no D-Bus session: DBUS_SESSION_BUS_ADDRESS is unset"
	if got, want := s.Describe(), "file (/home/me/.ppm/tokens.toml; no D-Bus session: DBUS_SESSION_BUS_ADDRESS is unset)"; got != want {
		t.Errorf("Describe() = %q; want %q", got, want)
	}
	if s.Name() != "file" {
		t.Errorf("Name() = %q", s.Name())
	}
}

func TestRedactQuoted(t *testing.T) {
	tests := []struct{ in, want string }{
		{`expected value but found 'e' instead`, `expected value but found 'e' instead`},
		{`expected eight hexadecimal digits after '\U', but got "eyJhbGciOiJIUzI1NiJ9\\Uzz" instead`, `expected eight hexadecimal digits after '\U', but got "…" instead`},
		{`invalid float: '1.2.3.4.5'`, `invalid float: '…'`},
		{"two\nlines", "two"},
		{`Key 'connections.address' has already been defined.`, `Key 'connections.address' has already been defined.`},
	}
	for _, tt := range tests {
		if got := redactQuoted(tt.in); got != tt.want {
			t.Errorf("redactQuoted(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkFileStoreGet(b *testing.B) {
	var content strings.Builder
	for _, a := range []string{"https://a.example.com", "https://b.example.com", "https://c.example.com:8443/cran"} {
		content.WriteString("[[connections]]\naddress = \"" + a + "\"\ntoken = \"" + tokB + "\"\nauth_type = \"sso\"\n\n")
	}
	content.WriteString("[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + tokA + "\"\nauth_type = \"sso\"\n")
	path := filepath.Join(b.TempDir(), "tokens.toml")
	if err := os.WriteFile(path, []byte(content.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	s := NewFileStore(path)
	b.ReportAllocs()
	for b.Loop() {
		if tok, err := s.Get("https://ppm.example.com"); err != nil || tok != tokA {
			b.Fatalf("Get = (%q, %v)", tok, err)
		}
	}
}
