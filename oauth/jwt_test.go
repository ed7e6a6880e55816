package oauth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestParseClaims(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	cases := []struct {
		name  string
		token string
		want  Claims
		err   string // "" for success
	}{
		{"valid PPM token", jwtFor(`{"sub":"alice","aud":"packagemanager","iss":"packagemanager","iat":100,"exp":200}`),
			Claims{Subject: "alice", Issuer: "packagemanager", Audience: []string{"packagemanager"}, IssuedAt: time.Unix(100, 0), Expiry: time.Unix(200, 0)}, ""},
		{"aud array", jwtFor(`{"sub":"a","aud":["x","y"],"exp":200}`), Claims{Subject: "a", Audience: []string{"x", "y"}, Expiry: time.Unix(200, 0)}, ""},
		{"aud empty array", jwtFor(`{"aud":[]}`), Claims{Audience: []string{}}, ""},
		{"aud null", jwtFor(`{"aud":null}`), Claims{}, ""},
		{"no exp", jwtFor(`{"sub":"a"}`), Claims{Subject: "a"}, ""},
		{"float exp and iat", jwtFor(`{"iat":100.25,"exp":200.5}`), Claims{IssuedAt: time.Unix(100, 25e7), Expiry: time.Unix(200, 5e8)}, ""},
		{"exponent exp", jwtFor(`{"exp":1.8e9}`), Claims{Expiry: time.Unix(1_800_000_000, 0)}, ""},
		{"unknown claims ignored", jwtFor(`{"sub":"a","scope":["x"],"nested":{"b":1}}`), Claims{Subject: "a"}, ""},
		{"padded base64", b64([]byte(`{}`)) + "." + b64([]byte(`{"sub":"ab"}`)) + "==.sig", Claims{Subject: "ab"}, ""},
		{"no signature", b64([]byte(`{}`)) + "." + b64([]byte(`{"sub":"a"}`)) + ".", Claims{Subject: "a"}, ""},
		{"bad base64", "a.!!!.c", Claims{}, "not base64url"},
		{"standard base64 alphabet", "a." + base64.RawStdEncoding.EncodeToString([]byte(`{"sub":"??>"}`)) + ".c", Claims{}, "not base64url"},
		{"two segments", "a.b", Claims{}, "2 segments"},
		{"four segments", "a.b.c.d", Claims{}, "4 segments"},
		{"empty", "", Claims{}, "1 segments"},
		{"not JSON", jwtFor(`not json`), Claims{}, "not a JSON object"},
		{"JSON array", jwtFor(`[1]`), Claims{}, "not a JSON object"},
		{"null payload", jwtFor(`null`), Claims{}, "not a JSON object"},
		// Claims of the wrong type are left empty: exp alone decides.
		{"sub not a string", jwtFor(`{"sub":5,"exp":200}`), Claims{Expiry: time.Unix(200, 0)}, ""},
		{"aud number", jwtFor(`{"aud":5}`), Claims{}, ""},
		{"aud mixed array", jwtFor(`{"aud":["a",1],"sub":"a"}`), Claims{Subject: "a"}, ""},
		{"iat not a number", jwtFor(`{"iat":"x","exp":200}`), Claims{Expiry: time.Unix(200, 0)}, ""},
		{"negative iat", jwtFor(`{"iat":-1}`), Claims{}, ""},
		{"claim names as encoding/json matches them", jwtFor(`{"EXP":200,"Sub":"c"}`), Claims{Subject: "c", Expiry: time.Unix(200, 0)}, ""},
		{"the last of duplicates", jwtFor(`{"sub":"a","sub":"b"}`), Claims{Subject: "b"}, ""},
		// exp present but not a positive number: expired.
		{"exp string", jwtFor(`{"exp":"soon"}`), Claims{}, "exp is not a valid time: it is not a number"},
		{"exp null", jwtFor(`{"exp":null}`), Claims{}, "exp is not a valid time: it is null"},
		{"exp zero", jwtFor(`{"exp":0}`), Claims{}, "exp is not a valid time: it is not positive"},
		{"negative exp", jwtFor(`{"exp":-1}`), Claims{}, "exp is not a valid time: it is not positive"},
		{"exp beyond year 5000", jwtFor(`{"exp":1e300}`), Claims{}, "exp is not a valid time: it is out of range"},
		{"exp beyond float64", jwtFor(`{"exp":1e400}`), Claims{}, "exp is not a valid time: it is out of range"},
		{"huge input", strings.Repeat("a", maxJWT+1), Claims{}, "over 64 KiB"},
		{"huge payload", jwtFor(`{"sub":"` + strings.Repeat("x", maxJWT) + `"}`), Claims{}, "over 64 KiB"},
		{"opaque token", "ppm_abcdef", Claims{}, "1 segments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseClaims(c.token)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v; want one containing %q", err, c.err)
				}
				if len(c.token) > 8 && strings.Contains(err.Error(), c.token) {
					t.Errorf("the error quotes the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != c.want.Subject || got.Issuer != c.want.Issuer || strings.Join(got.Audience, ",") != strings.Join(c.want.Audience, ",") ||
				!got.Expiry.Equal(c.want.Expiry) || !got.IssuedAt.Equal(c.want.IssuedAt) {
				t.Errorf("got %+v; want %+v", got, c.want)
			}
			if (got.Expiry.IsZero() || got.Expiry.Location() == time.UTC) == false {
				t.Errorf("expiry not in UTC: %v", got.Expiry)
			}
		})
	}
}

// TestParseClaimsInvalidExpiry: an exp that is not a valid time is reported
// as ErrInvalidExpiry (the token is then treated as expired), keeping the
// subject; other malformed claims are not.
func TestParseClaimsInvalidExpiry(t *testing.T) {
	for _, payload := range []string{
		`{"sub":"s","exp":"soon"}`, `{"sub":"s","exp":true}`, `{"sub":"s","exp":-1}`, `{"sub":"s","exp":0}`,
		`{"sub":"s","exp":null}`, `{"sub":"s","exp":"1800000000"}`, `{"sub":"s","exp":1e400}`,
		`{"sub":"s","exp":1e300}`, `{"sub":"s","exp":{"a":1}}`, `{"sub":"s","exp":[200]}`, `{"exp":200,"sub":"s","exp":null}`,
	} {
		c, err := ParseClaims(jwtFor(payload))
		if !errors.Is(err, ErrInvalidExpiry) || c.Subject != "s" || !c.Expiry.IsZero() {
			t.Errorf("%s: claims %+v, err %v; want ErrInvalidExpiry and the subject", payload, c, err)
		}
	}
	for _, payload := range []string{`{"sub":5,"exp":200}`, `{"aud":5}`, `{"iat":-1}`, `{}`, `{"exp":null,"exp":200}`} {
		if _, err := ParseClaims(jwtFor(payload)); err != nil {
			t.Errorf("%s: %v for a token whose exp is fine or absent", payload, err)
		}
	}
}

func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{
		jwtFor(`{"sub":"a","exp":200,"iat":100,"aud":"packagemanager"}`),
		jwtFor(`{"aud":["a"],"exp":1.5}`), "a.b.c", "...", "eyJ.eyJ.", jwtFor(`{"exp":1e300}`),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseClaims(tok)
		if err != nil {
			if len(tok) > 12 && strings.Contains(err.Error(), tok) {
				t.Fatalf("the error quotes the input: %v", err)
			}
			return
		}
		if strings.Count(tok, ".") != 2 || len(tok) > maxJWT {
			t.Fatalf("accepted %d bytes with %d dots", len(tok), strings.Count(tok, "."))
		}
		for _, ts := range []time.Time{c.Expiry, c.IssuedAt} {
			if !ts.IsZero() && (ts.Before(time.Unix(0, 0)) || ts.Year() > 5200) {
				t.Fatalf("out-of-range time accepted: %v", ts)
			}
		}
	})
}

// TestPKCE: x/oauth2's S256 challenge gives the example of RFC 7636
// Appendix B, and its verifiers are 43 unreserved characters, fresh each
// time (32 random bytes).
func TestPKCE(t *testing.T) {
	if got := oauth2.S256ChallengeFromVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("S256 challenge of RFC 7636's example verifier = %q", got)
	}
	seen := map[string]bool{}
	for range 100 {
		v := oauth2.GenerateVerifier()
		if len(v) != 43 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "" || seen[v] {
			t.Fatalf("verifier %q: want 43 fresh unreserved characters", v)
		}
		seen[v] = true
	}
}
