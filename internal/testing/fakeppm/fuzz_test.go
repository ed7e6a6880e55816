package fakeppm

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

var fuzzKey = []byte("fakeppm-fuzz-key-0123456789abcde")

// FuzzVerifyJWT feeds arbitrary text to the JWT check the repositories and
// the exchange run on what clients send. It must never panic, accept only
// what fuzzKey signed (in its one canonical spelling) and is unexpired, and
// never echo the input in its error.
func FuzzVerifyJWT(f *testing.F) {
	now := time.Unix(1_900_000_000, 0)
	f.Add(signJWT(fuzzKey, map[string]any{"aud": "packagemanager", "iss": "packagemanager", "sub": "a", "iat": now.Unix(), "exp": now.Unix() + 60}))
	f.Add(signJWT(fuzzKey, map[string]any{"sub": "a", "exp": now.Unix() - 1}))
	f.Add(signJWT([]byte("another key"), map[string]any{"sub": "a"}))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := verifyJWT(fuzzKey, tok, now)
		if err != nil {
			if len(tok) >= 8 && strings.Contains(err.Error(), tok) {
				t.Fatalf("the error %q echoes the token", err)
			}
			return
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted a token of %d parts", len(parts))
		}
		m := hmac.New(sha256.New, fuzzKey)
		m.Write([]byte(parts[0] + "." + parts[1]))
		if want := b64.EncodeToString(m.Sum(nil)); parts[2] != want {
			t.Fatalf("accepted signature %q; the only valid one is %q", parts[2], want)
		}
		if c.Exp != nil && *c.Exp <= now.Unix() {
			t.Fatalf("accepted a token that expired at %d (now %d)", *c.Exp, now.Unix())
		}
	})
}

// FuzzNormalize checks PEP 503 normalisation on arbitrary names: idempotent,
// lower case, no runs of separators, only '-' as separator.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ppm-demo", "PPM_Demo", "ppm..demo", "a-_.b", "", "--", "Ünï_Code"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n := normalize(name)
		if normalize(n) != n {
			t.Fatalf("normalize(%q) = %q is not stable", name, n)
		}
		if strings.ContainsAny(n, "_.") || strings.Contains(n, "--") {
			t.Fatalf("normalize(%q) = %q keeps a separator run or kind", name, n)
		}
		if n != strings.ToLower(n) {
			t.Fatalf("normalize(%q) = %q is not lower case", name, n)
		}
	})
}
