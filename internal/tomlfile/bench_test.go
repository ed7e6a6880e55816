package tomlfile

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// realisticTokensFile is a tokens.toml as it looks after a few logins:
// four servers, SSO tokens of a realistic length, one opaque token with
// our expires_at, and an old-schema entry.
func realisticTokensFile() []byte {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiJ1c2VyQGV4YW1wbGUuY29tIiwiYXVkIjoicGFja2FnZW1hbmFnZXIifQ", 3) + ".c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln"
	var b strings.Builder
	for _, a := range []string{"https://ppm.example.com", "https://ppm.internal.example.com:8443", "https://packages.example.org/cran", "http://localhost:4242"} {
		b.WriteString("[[connections]]\naddress = \"" + a + "\"\ntoken = \"" + jwt + "\"\nauth_type = \"sso\"\n\n")
	}
	b.WriteString("[[connections]]\naddress = \"https://opaque.example.com\"\ntoken = \"ppm_0123456789abcdef\"\nauth_type = \"sso\"\nexpires_at = 1767225600\n\n")
	b.WriteString("[[connection]]\nurl = \"https://old.example.com\"\ntoken = \"" + jwt + "\"\nmethod = \"sso\"\n")
	return []byte(b.String())
}

// BenchmarkDecodeTokensFile decodes a realistic tokens.toml with this
// package and with BurntSushi/toml alternately, in the same loop, and
// reports each one's time per decode and their ratio (ours/BurntSushi).
// The sub-benchmarks give each one's allocations.
func BenchmarkDecodeTokensFile(b *testing.B) {
	data := realisticTokensFile()
	b.Run("alternating", func(b *testing.B) {
		var ours, theirs time.Duration
		n := 0
		for b.Loop() {
			t0 := time.Now()
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			m := map[string]any{}
			if _, err := toml.Decode(string(data), &m); err != nil {
				b.Fatal(err)
			}
			theirs += time.Since(t1)
			ours += t1.Sub(t0)
			n++
		}
		b.ReportMetric(float64(ours.Nanoseconds())/float64(n), "ours-ns/decode")
		b.ReportMetric(float64(theirs.Nanoseconds())/float64(n), "burntsushi-ns/decode")
		b.ReportMetric(float64(ours)/float64(theirs), "ours/burntsushi")
	})
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("burntsushi", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := map[string]any{}
			if _, err := toml.Decode(string(data), &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
