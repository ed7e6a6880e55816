package oauth

import (
	"strings"
	"testing"
	"time"
)

func TestParseClaims(t *testing.T) {
	cases := []struct {
		name  string
		token string
		ok    bool
		sub   string
		aud   int
		exp   time.Time
		iat   time.Time
	}{
		{"valid", jwtFor(`{"sub":"a","aud":"packagemanager","iss":"packagemanager","iat":100,"exp":200}`), true, "a", 1, time.Unix(200, 0), time.Unix(100, 0)},
		{"aud array", jwtFor(`{"sub":"a","aud":["x","y"],"exp":200}`), true, "a", 2, time.Unix(200, 0), time.Time{}},
		{"no exp", jwtFor(`{"sub":"a"}`), true, "a", 0, time.Time{}, time.Time{}},
		{"float exp", jwtFor(`{"exp":200.5}`), true, "", 0, time.Unix(200, 5e8), time.Time{}},
		{"padded base64", strings.Replace(jwtFor(`{"sub":"ab"}`), ".sig", "", 1) + "==.sig", true, "ab", 0, time.Time{}, time.Time{}},
		{"bad base64", "a.!!!.c", false, "", 0, time.Time{}, time.Time{}},
		{"two segments", "a.b", false, "", 0, time.Time{}, time.Time{}},
		{"four segments", "a.b.c.d", false, "", 0, time.Time{}, time.Time{}},
		{"not JSON", jwtFor(`not json`), false, "", 0, time.Time{}, time.Time{}},
		{"exp string", jwtFor(`{"exp":"soon"}`), false, "", 0, time.Time{}, time.Time{}},
		{"aud number", jwtFor(`{"aud":5}`), false, "", 0, time.Time{}, time.Time{}},
		{"negative exp", jwtFor(`{"exp":-1}`), false, "", 0, time.Time{}, time.Time{}},
		{"huge", strings.Repeat("a", maxJWT+1), false, "", 0, time.Time{}, time.Time{}},
		{"opaque", "ppm_abcdef", false, "", 0, time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		got, err := ParseClaims(c.token)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), c.token) && len(c.token) > 8 {
				t.Errorf("%s: error quotes the token", c.name)
			}
			continue
		}
		if got.Subject != c.sub || len(got.Audience) != c.aud || !got.Expiry.Equal(c.exp) || !got.IssuedAt.Equal(c.iat) {
			t.Errorf("%s: got %+v", c.name, got)
		}
	}
}

func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{jwtFor(`{"sub":"a","exp":200,"iat":100,"aud":"packagemanager"}`), jwtFor(`{"aud":["a"],"exp":1.5}`), "a.b.c", "...", "eyJ.eyJ.", jwtFor(`{"exp":1e300}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseClaims(tok)
		if err != nil {
			return
		}
		if !c.Expiry.IsZero() && c.Expiry.Before(time.Unix(0, 0)) {
			t.Fatalf("negative expiry accepted: %v", c.Expiry)
		}
	})
}
