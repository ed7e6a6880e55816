package tomlfile

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The shapes other tools write into tokens.toml: pak (R), rspm and
// posit-keyring, and the older schema some R tools wrote.
var toolShapes = []string{
	"[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig\"\nauth_type = \"sso\"\n",
	"[[connections]]\r\naddress = \"https://ppm.example.com/\"\r\ntoken = \"eyJ.a.b\"\r\nauth_type = \"sso\"\r\n\r\n[[connections]]\r\naddress = \"https://b.example.com\"\r\ntoken = \"eyJ.c.d\"\r\nauth_type = \"sso\"\r\n",
	"# rspm\n[[connections]]\n  address = 'https://ppm.example.com'\n  token = 'eyJ.a.b'\n  auth_type = 'sso'\n  expires_at = 1767225600\n",
	"connections = [\n  { address = \"https://ppm.example.com\", token = \"eyJ.a.b\", auth_type = \"sso\" },\n]\n",
	"[[connection]]\nurl = \"https://ppm.example.com\"\ntoken = \"eyJ.a.b\"\nmethod = \"sso\"\n",
	"version = 1\n[settings]\ncolor = true\n[[connections]]\naddress = \"https://a\"\ntoken = \"t\"\nissued = 2026-01-01T00:00:00Z\n[connections.meta]\nby = \"pak\"\n",
}

// valid are documents of every TOML construct, with what they decode to.
var valid = []struct {
	doc  string
	want map[string]any
}{
	{"", map[string]any{}},
	{"\ufeff# only a comment\r\n\n", map[string]any{}},
	{`s = "tab\there \"q\" \\ \b\f\n\r \u00e9 \U0001F600 \e \x41"`, map[string]any{"s": "tab\there \"q\" \\ \b\f\n\r é 😀 \x1b A"}},
	{"s = 'C:\\path\\n'", map[string]any{"s": `C:\path\n`}},
	{"s = \"\"\"\nline1\r\nline2 \\\n    joined \\\t\n\n  end\"\"\"\"\"", map[string]any{"s": "line1\r\nline2 joined end\"\""}},
	{"s = '''\n\\raw ''\n'''''", map[string]any{"s": "\\raw ''\n''"}},
	{"i = [0, +99, -17, 1_000, 0xDEAD_beef, 0o755, 0b1101, -9223372036854775808, 9223372036854775807]",
		map[string]any{"i": []any{int64(0), int64(99), int64(-17), int64(1000), int64(0xdeadbeef), int64(0o755), int64(13), int64(math.MinInt64), int64(math.MaxInt64)}}},
	{"f = [1.5, -0.0, 3e2, 6.6e-34, 1_000.000_1, 1E+2, inf, -inf]", map[string]any{"f": []any{1.5, math.Copysign(0, -1), 300.0, 6.6e-34, 1000.0001, 100.0, math.Inf(1), math.Inf(-1)}}},
	{"b = [true, false]", map[string]any{"b": []any{true, false}}},
	{"d = [1979-05-27T07:32:00Z, 1979-05-27 00:32:00.999999-07:00, 1979-05-27t07:32:00, 1979-05-27, 07:32:00.5, 07:32]", map[string]any{"d": []any{
		time.Date(1979, 5, 27, 7, 32, 0, 0, time.UTC),
		time.Date(1979, 5, 27, 0, 32, 0, 999999000, time.FixedZone("", -7*3600)),
		LocalDateTime{LocalDate{1979, 5, 27}, LocalTime{7, 32, 0, 0}},
		LocalDate{1979, 5, 27},
		LocalTime{7, 32, 0, 500000000},
		LocalTime{7, 32, 0, 0},
	}}},
	{"a = [ 1, [2, 'x'], {k = 1}, ] # mixed\nb = [\n# c\n]", map[string]any{"a": []any{int64(1), []any{int64(2), "x"}, map[string]any{"k": int64(1)}}, "b": []any{}}},
	{"t = { a.b = 1, \"c d\" = {}, 'e' = [] }", map[string]any{"t": map[string]any{"a": map[string]any{"b": int64(1)}, "c d": map[string]any{}, "e": []any{}}}},
	{"\"\" = 1\n'q' . x = 2\n 3.14 = 'pi'", map[string]any{"": int64(1), "q": map[string]any{"x": int64(2)}, "3": map[string]any{"14": "pi"}}},
	{"[a.b]\nx = 1\n[a]\ny = 2\n[ a . 'c' ]\n[[d]]\n[[d]]\nz = 1\n[d.e]\n[[d.f]]", map[string]any{
		"a": map[string]any{"b": map[string]any{"x": int64(1)}, "y": int64(2), "c": map[string]any{}},
		"d": []map[string]any{{}, {"z": int64(1), "e": map[string]any{}, "f": []map[string]any{{}}}},
	}},
	{"[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true", map[string]any{"fruit": map[string]any{"apple": map[string]any{
		"color": "red", "taste": map[string]any{"sweet": true}, "texture": map[string]any{"smooth": true}}}}},
}

func TestDecode(t *testing.T) {
	for _, tt := range valid {
		got, err := Decode([]byte(tt.doc))
		if err != nil {
			t.Errorf("Decode(%q): %v", tt.doc, err)
			continue
		}
		if !reflect.DeepEqual(normalize(got), normalize(tt.want)) {
			t.Errorf("Decode(%q) =\n%#v\nwant\n%#v", tt.doc, got, tt.want)
		}
		checkAgainstBurntSushi(t, []byte(tt.doc))
	}
	for _, doc := range toolShapes {
		checkAgainstBurntSushi(t, []byte(doc))
	}
}

func TestDecodeShapes(t *testing.T) {
	doc, err := Decode([]byte(toolShapes[0]))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["connections"].([]map[string]any); !ok {
		t.Errorf("[[connections]] decodes as %T; want []map[string]any", doc["connections"])
	}
	doc, err = Decode([]byte(toolShapes[3]))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["connections"].([]any); !ok {
		t.Errorf("connections = [{…}] decodes as %T; want []any", doc["connections"])
	}
}

const secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0"

// invalid are documents TOML refuses, with where the error points.
var invalid = []struct {
	doc       string
	line, col int
	kind      errKind
}{
	{"token = " + secret, 1, 9, errSyntax},
	{"a = \"" + secret, 1, 35, errSyntax},
	{"a = 1\n\nb = \"" + secret + "\nc = 2", 3, 35, errSyntax},
	{"a = \"" + secret + "\\Uzzzz\"", 1, 35, errSyntax},
	{"a = \"\\ud800\"", 1, 6, errSyntax},
	{"a = \"\\ \"", 1, 6, errSyntax},
	{"a = 'x\x01'", 1, 7, errSyntax},
	{"# \x7f", 1, 3, errSyntax},
	{"a = 1 \r b = 2", 1, 7, errSyntax},
	{"a = \"\xff\"", 1, 6, errSyntax},
	{"\x00\x01", 1, 1, errSyntax},
	{"a = 1\na = 2", 2, 1, errRedefine},
	{"[t]\n[t]", 2, 1, errRedefine},
	{"[[t]]\n[t]", 2, 1, errRedefine},
	{"t = []\n[[t]]", 2, 1, errRedefine},
	{"x.y = 1\n[x]", 2, 1, errRedefine},
	{"a = {b = 1}\na.c = 2", 2, 1, errRedefine},
	{"[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 1, errRedefine},
	{"a = 1\n[a.b]", 2, 1, errRedefine},
	{"a = 1979-05-27T07:32:00+24:00", 1, 5, errOffset},
	{"a = 1979-02-29", 1, 5, errSyntax},
	{"a = 07:32:60", 1, 5, errSyntax},
	{"a = 01", 1, 5, errSyntax},
	{"a = 1__0", 1, 5, errSyntax},
	{"a = +0x1", 1, 5, errSyntax},
	{"a = 1.", 1, 5, errSyntax},
	{"a = .1", 1, 5, errSyntax},
	{"a = 1e", 1, 5, errSyntax},
	{"a = 9223372036854775808", 1, 5, errSyntax},
	{"a = 1e400", 1, 5, errSyntax},
	{"a = [1 2]", 1, 8, errSyntax},
	{"a = {b = 1 c = 2}", 1, 12, errSyntax},
	{"a = {,}", 1, 6, errSyntax},
	{"[a", 1, 3, errSyntax},
	{"[[a]", 1, 4, errSyntax},
	{"[]", 1, 2, errSyntax},
	{"a.=1", 1, 3, errSyntax},
	{"= 1", 1, 1, errSyntax},
	{"a 1", 1, 3, errSyntax},
	{"a = 1 b = 2", 1, 7, errSyntax},
	{"a = \"\"\"x", 1, 5, errSyntax},
	{"a = '''x''''''", 1, 9, errSyntax},
	{"\"\"\"k\"\"\" = 1", 1, 1, errSyntax},
	{"a = truee", 1, 9, errSyntax},
	{"a =", 1, 4, errSyntax},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range invalid {
		_, err := Decode([]byte(tt.doc))
		var perr *ParseError
		if !errors.As(err, &perr) {
			t.Errorf("Decode(%q) = %v; want a *ParseError", tt.doc, err)
			continue
		}
		if perr.Line != tt.line || perr.Col != tt.col || perr.kind != tt.kind {
			t.Errorf("Decode(%q): %v (kind %d); want line %d, column %d, kind %d", tt.doc, err, perr.kind, tt.line, tt.col, tt.kind)
		}
		if strings.Contains(err.Error(), secret[:8]) || strings.ContainsAny(err.Error(), "\r\n") {
			t.Errorf("Decode(%q): the error quotes the document or spans lines: %q", tt.doc, err)
		}
		checkAgainstBurntSushi(t, []byte(tt.doc))
	}
}

// FuzzAgainstBurntSushi is the differential check (diff_test.go) on any
// input: both decoders accept or both refuse, the values and the encodings
// are equal, and every decoded document survives Encode and Decode.
// Seeds: the documents above (valid, invalid, the tools' shapes).
func FuzzAgainstBurntSushi(f *testing.F) {
	for _, tt := range valid {
		f.Add([]byte(tt.doc))
	}
	for _, tt := range invalid {
		f.Add([]byte(tt.doc))
	}
	for _, doc := range toolShapes {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Decode(data)
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("the error spans lines: %q", err)
		}
		checkAgainstBurntSushi(t, data)
	})
}

// TestDeepNesting: a file of nothing but '[' or '{' (the file store reads
// up to 16 MiB) ends in one error line, not in a stack overflow, which no
// recover catches; nesting up to the limit still reads.
func TestDeepNesting(t *testing.T) {
	for _, doc := range []string{
		"a = " + strings.Repeat("[", 16<<20),
		"a = " + strings.Repeat("{b=", 4<<20),
		"a = " + strings.Repeat("[{b=", 2<<20),
	} {
		_, err := Decode([]byte(doc))
		var perr *ParseError
		if !errors.As(err, &perr) || perr.kind != errLimit || !strings.Contains(err.Error(), "nested over") || perr.Line != 1 {
			t.Errorf("Decode(%.12q…) = %v; want the nesting refused", doc, err)
		}
	}
	ok := "a = " + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := Decode([]byte(ok)); err != nil {
		t.Errorf("nesting %d deep: %v", maxDepth, err)
	}
}

// TestDeepTables: tables nest at most 100 deep, however they are made
// (headers, dotted keys, inline tables, arrays of tables, mixed). Before,
// a key of 16 Ki dotted parts took 18 s to encode and one of 1 Mi parts
// all memory, since Encode writes a header of the whole path per level.
func TestDeepTables(t *testing.T) {
	chain := func(n int) string { return "a" + strings.Repeat(".a", n-1) }
	for _, doc := range []string{
		chain(1<<20) + " = 1",
		"[" + chain(1<<20) + "]",
		"[" + chain(101) + "]",
		chain(101) + " = 1",
		"[" + chain(60) + "]\n" + chain(41) + " = 1",
		"[[" + chain(60) + "]]\n" + chain(41) + " = 1",
		"x = " + strings.Repeat("{a.a=", 50) + "1" + strings.Repeat("}", 50),
		"x = [" + strings.Repeat("{a=[", 101) + strings.Repeat("]}", 101) + "]",
	} {
		_, err := Decode([]byte(doc))
		var perr *ParseError
		if !errors.As(err, &perr) || perr.kind != errLimit || !strings.Contains(err.Error(), "tables are nested over 100 deep") {
			t.Errorf("Decode(%.20q…) = %v; want the nesting refused", doc, err)
		}
	}
	for _, doc := range []string{
		"[" + chain(100) + "]",
		chain(100) + " = 1",
		"[" + chain(60) + "]\n" + chain(40) + " = 1",
		"x = " + strings.Repeat("{a.a=", 49) + "1" + strings.Repeat("}", 49),
	} {
		if _, err := Decode([]byte(doc)); err != nil {
			t.Errorf("Decode(%.20q…): %v", doc, err)
		}
	}
}

// TestEncodeBounded: a document whose encoding would run to gigabytes
// (100 tables deep, each name 160 KiB: each header repeats the path) is
// refused once the output passes 64 MiB.
func TestEncodeBounded(t *testing.T) {
	doc := map[string]any{}
	m := doc
	for i := 0; i < maxTableDepth; i++ {
		kid := map[string]any{"v": int64(i)}
		m[strings.Repeat(string(rune('a'+i%26)), 160<<10)] = kid
		m = kid
	}
	out, err := Encode(doc)
	if err == nil || !strings.Contains(err.Error(), "over 64 MiB") || out != nil {
		t.Errorf("Encode: %d bytes, %v; want it refused", len(out), err)
	}
}
