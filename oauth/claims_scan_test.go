package oauth

import (
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ppmLikePayload has the claims of a PPM token and a few more.
const ppmLikePayload = `{"aud":"packagemanager","exp":1764590400,"iat":1764586800,"iss":"packagemanager","jti":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","nbf":1764586800,"sub":"alice@example.com","scopes":["repo:read"],"groups":[{"id":3,"name":"eng"}]}`

// claimsSeeds are payloads on which the scanner and encoding/json could
// disagree: today's test cases, PPM-like tokens and nasty JSON.
var claimsSeeds = []string{
	// ParseClaims' test cases.
	`{"sub":"alice","aud":"packagemanager","iss":"packagemanager","iat":100,"exp":200}`,
	`{"sub":"a","aud":["x","y"],"exp":200}`, `{"aud":[]}`, `{"aud":null}`, `{"sub":"a"}`,
	`{"iat":100.25,"exp":200.5}`, `{"exp":1.8e9}`, `{"sub":"a","scope":["x"],"nested":{"b":1}}`, `{}`,
	`not json`, `[1]`, `{"sub":5}`, `{"exp":"soon"}`, `{"aud":5}`, `{"aud":["a",1]}`, `{"exp":-1}`, `{"exp":1e300}`,
	`{"sub":"s","exp":"soon"}`, `{"sub":"s","exp":true}`, `{"sub":"s","exp":-1}`, `{"sub":"s","exp":1e300}`,
	`{"sub":"s","exp":{"a":1}}`, `{"sub":"s","exp":[200]}`, `{"sub":5,"exp":200}`, `{"iat":-1}`, `{"exp":null}`,
	// PPM-like tokens.
	ppmLikePayload,
	`{"sub":"bob","aud":["packagemanager","https://ppm.example.com/"],"iss":"https://idp.example.com/","iat":1.7645868e9,"exp":1764590400.999999}`,
	// Duplicates, null and case: the last key wins; null keeps a string and clears a number.
	`{"exp":5,"exp":null}`, `{"exp":null,"exp":5}`, `{"sub":"a","sub":null}`, `{"sub":"a","sub":"b"}`,
	`{"aud":"x","aud":null}`, `{"aud":["a",null]}`, `{"aud":[null]}`, `{"iss":null,"iat":null}`,
	`{"EXP":7,"Sub":"c","ISS":"i","AuD":"d","iAt":1}`, `{"\u017fub":"long s","\u0131at":3,"\u212aexp":4}`,
	`{"\u0073ub":"esc","e\u0078p":9}`, `{"sub\u0000":"nul"}`, `{"sub ":"space"}`, `{"su":"short","subb":"long"}`,
	`{"exp":"x","exp":5,"sub":"later"}`, `{"sub":1,"exp":"x"}`, `{"exp":"x","sub":1}`, `{"iat":"x","exp":"y"}`,
	`{"exp":1e400}`, `{"iat":1e400}`, `{"exp":1e-400}`, `{"exp":-0}`, `{"exp":-0.0}`, `{"exp":1E+3}`, `{"exp":1e3}`,
	`{"exp":1.5}`, `{"exp":100000000000}`, `{"exp":100000000000.5}`, `{"exp":99999999999.99999}`,
	`{"exp":01}`, `{"exp":+1}`, `{"exp":.5}`, `{"exp":1.}`, `{"exp":1e}`, `{"exp":-}`, `{"exp":NaN}`,
	`{"exp":Infinity}`, `{"exp":0x10}`, `{"exp":1_000}`, `{"exp":"1"}`, `{"exp":false}`, `{"exp":nul}`,
	// Strings: escapes, surrogates, invalid UTF-8.
	`{"sub":"\ud83d\ude00"}`, `{"sub":"\ud83d"}`, `{"sub":"\ude00\ud83d"}`, `{"sub":"\ud83d\u0041"}`, `{"sub":"\ud83d\ud83d\ude00"}`,
	`{"sub":"\"\\\/\b\f\n\r\t"}`, `{"sub":"\x"}`, `{"sub":"\u12"}`, `{"sub":"\u12G4"}`, `{"sub":"caf\u00E9"}`,
	"{\"sub\":\"\xff\xfe\"}", "{\"sub\":\"\xed\xa0\x80\"}", "{\"sub\":\"ok\xc3\"}", "{\"sub\":\"tab\there\"}", "{\"sub\":\"é\"}",
	"{\"aud\":[\"\xff\",\"\\ud800\"]}", "{\"\xffsub\":1}",
	// Structure: whitespace, trailing garbage, other top-level values.
	" \t\r\n{ \"sub\" : \"a\" , \"exp\" : 1 } \n", `{"sub":"a"} x`, `{"sub":"a"}{}`, `{"sub":"a",}`, `{,}`, `{"sub"}`,
	`{"sub":"a" "exp":1}`, `{"sub":"a"`, `{"sub":`, `{`, ``, ` `, `null`, ` null `, `nul`, `nullx`, `true`, `"sub"`, `1`, `[]`,
	"\xef\xbb\xbf{}", "{\"sub\":\"a\"}\x00", `{'sub':'a'}`, `{sub:"a"}`,
	`{"x":{"y":[1,2,{"z":null}],"w":true,"v":false},"sub":"after"}`, `{"x":[1,]}`, `{"x":{"a"}}`, `{"x":tru}`,
	// The nesting limit of encoding/json: 10000 levels with the top object.
	`{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"aud":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat("}", 9999) + `}`,
}

// requireSameAsJSON fails unless ParseClaims and the encoding/json oracle
// agree on tok: identical Claims, identical error text, ErrInvalidExpiry alike.
func requireSameAsJSON(t *testing.T, tok string) {
	t.Helper()
	got, gotErr := ParseClaims(tok)
	want, wantErr := parseClaimsJSON(tok)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("claims %#v; encoding/json gives %#v", got, want)
	}
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("error %v; encoding/json gives %v", gotErr, wantErr)
	}
	if errors.Is(gotErr, ErrInvalidExpiry) != errors.Is(wantErr, ErrInvalidExpiry) {
		t.Fatalf("errors.Is(%v, ErrInvalidExpiry) differs from encoding/json's", gotErr)
	}
}

// TestClaimsSemantics pins the encoding/json behaviours the scanner copies,
// so that the oracle itself is checked against what we believe of it.
func TestClaimsSemantics(t *testing.T) {
	for _, c := range []struct {
		payload string
		want    Claims
	}{
		{`{"EXP":7,"Sub":"c"}`, Claims{Subject: "c", Expiry: time.Unix(7, 0).UTC()}},
		{`{"exp":5,"exp":null}`, Claims{}},
		{`{"sub":"a","sub":null}`, Claims{Subject: "a"}},
		{`{"aud":"x","aud":null}`, Claims{}},
		{`{"aud":["a",null]}`, Claims{Audience: []string{"a", ""}}},
		{`{"\u017fub":"s","\u0073ub":"t"}`, Claims{Subject: "t"}},
		{`{"sub":"\ud83d\ude00\ud83d"}`, Claims{Subject: "\U0001F600\uFFFD"}},
		{"{\"sub\":\"\xff\"}", Claims{Subject: "\uFFFD"}},
		{`{"exp":-0}`, Claims{Expiry: time.Unix(0, 0).UTC()}},
		{`null`, Claims{}},
	} {
		tok := jwtFor(c.payload)
		requireSameAsJSON(t, tok)
		if got, err := ParseClaims(tok); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %#v, %v; want %#v", c.payload, got, err, c.want)
		}
	}
	for _, payload := range []string{`{"exp":01}`, `{"exp":+1}`, `{"exp":.5}`, `{"exp":NaN}`, `{"sub":"a"} x`, `[]`, `"x"`,
		`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`} {
		if _, err := ParseClaims(jwtFor(payload)); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
			t.Errorf("%.40s: %v; want the payload refused", payload, err)
		}
	}
}

// TestClaimsMatchJSONGenerated: ParseClaims and encoding/json agree on
// 20000 payloads built from a grammar of nasty pieces (claim names in other
// cases and spellings, duplicates, every JSON type, odd numbers and
// strings), a tenth of them with one byte changed: a deterministic
// complement to the short fuzz runs.
func TestClaimsMatchJSONGenerated(t *testing.T) {
	keys := []string{"sub", "iss", "aud", "iat", "exp", "SUB", "Exp", "AUD", "\\u0065xp", "\\u017fub", "\\u0131ss",
		"\\u212aexp", "ex", "expp", "x", "", "sub\\u0000", "\\ud83d"}
	scalars := []string{`"s"`, `""`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\u00e9\n\t\/"`, "\"\xff\xc3\"", `"é"`,
		`0`, `-0`, `1`, `-1`, `1.5`, `1e3`, `1E+3`, `2e-3`, `1764590400`, `1e11`, `100000000000.1`, `1e400`, `-1e400`, `1e-400`,
		`true`, `false`, `null`, `01`, `+1`, `.5`, `1.`, `NaN`, `"1"`, `nul`}
	r := rand.New(rand.NewPCG(8, 2026))
	var value func(depth int) string
	value = func(depth int) string {
		switch n := r.IntN(10); {
		case n < 6 || depth > 3:
			return scalars[r.IntN(len(scalars))]
		case n < 8:
			var items []string
			for range r.IntN(4) {
				items = append(items, value(depth+1))
			}
			return "[" + strings.Join(items, ",") + "]"
		default:
			var members []string
			for range r.IntN(3) {
				members = append(members, `"`+keys[r.IntN(len(keys))]+`":`+value(depth+1))
			}
			return "{" + strings.Join(members, ",") + "}"
		}
	}
	spaces := []string{"", "", " ", "\n\t\r "}
	for range 20000 {
		var members []string
		for range r.IntN(7) {
			members = append(members, spaces[r.IntN(4)]+`"`+keys[r.IntN(len(keys))]+`"`+spaces[r.IntN(4)]+":"+value(1))
		}
		payload := []byte(spaces[r.IntN(4)] + "{" + strings.Join(members, ",") + "}" + spaces[r.IntN(4)])
		if r.IntN(10) == 0 {
			const pieces = "{}[],:\"\\0en-"
			payload[r.IntN(len(payload))] = pieces[r.IntN(len(pieces))]
		}
		requireSameAsJSON(t, jwtFor(string(payload)))
	}
}

// FuzzClaimsMatchJSON: on any payload, ParseClaims answers exactly as the
// encoding/json implementation it replaced.
func FuzzClaimsMatchJSON(f *testing.F) {
	for _, s := range claimsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		requireSameAsJSON(t, "e30."+base64.RawURLEncoding.EncodeToString(payload)+".sig")
	})
}

// FuzzClaimsTokenMatchJSON: the same on whole tokens (segments, padding,
// base64 and size included).
func FuzzClaimsTokenMatchJSON(f *testing.F) {
	for _, s := range claimsSeeds {
		f.Add(jwtFor(s))
	}
	for _, s := range []string{"", ".", "..", "...", "a.b", "a.!!!.c", "e30.e30==.x", "e30.e30=.x", "e30.e30", "ppm_abcdef",
		"a." + base64.RawStdEncoding.EncodeToString([]byte(`{"sub":"??>"}`)) + ".c", jwtFor(`{"sub":"` + strings.Repeat("x", maxJWT) + `"}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		requireSameAsJSON(t, tok)
	})
}

// BenchmarkParseClaimsScanVsJSON alternates, in rounds of 1000 calls, the
// scanner and the encoding/json implementation on a PPM-like token, and
// reports each one's ns and allocations per call and their ratio (json/scan).
func BenchmarkParseClaimsScanVsJSON(b *testing.B) {
	tok := jwtFor(ppmLikePayload)
	for _, parse := range []func(string) (Claims, error){ParseClaims, parseClaimsJSON} {
		if c, err := parse(tok); err != nil || c.Subject != "alice@example.com" {
			b.Fatalf("the benchmark token does not parse: %+v, %v", c, err)
		}
	}
	const round = 1000
	var scan, js time.Duration
	timeRound := func(parse func(string) (Claims, error)) time.Duration {
		start := time.Now()
		for range round {
			_, _ = parse(tok)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	for range b.N {
		scan += timeRound(ParseClaims)
		js += timeRound(parseClaimsJSON)
	}
	b.StopTimer()
	calls := float64(b.N * round)
	b.ReportMetric(float64(scan.Nanoseconds())/calls, "scan-ns/call")
	b.ReportMetric(float64(js.Nanoseconds())/calls, "json-ns/call")
	b.ReportMetric(float64(js)/float64(scan), "json/scan")
	b.ReportMetric(testing.AllocsPerRun(100, func() { _, _ = ParseClaims(tok) }), "scan-allocs/call")
	b.ReportMetric(testing.AllocsPerRun(100, func() { _, _ = parseClaimsJSON(tok) }), "json-allocs/call")
}
