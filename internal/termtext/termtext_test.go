package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "alice@example.com", "alice@example.com"},
		{"non-ASCII kept", "Zoë ünïcödé 日本 İ", "Zoë ünïcödé 日本 İ"},
		{"backslash kept", `C:\Users\ppm`, `C:\Users\ppm`},
		{"space kept", "a b", "a b"},
		{"retitle and clear", "\x1b]0;pwned\x07\x1b[2J", `\x1b]0;pwned\x07\x1b[2J`},
		{"forged row", "alice\nexpired  never", `alice\nexpired  never`},
		{"carriage return", "ok\rFAIL", `ok\rFAIL`},
		{"tab", "a\tb", `a\tb`},
		{"NUL", "a\x00b", `a\x00b`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"RLM", "x\u200fy", `x\u200fy`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"encoded C1 as raw byte", "a\x9bb", `a\x9bb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestEscapeSafeOutput checks, for every byte and for a range of runes,
// that the output holds no character a terminal acts on and is valid
// UTF-8 on one line.
func TestEscapeSafeOutput(t *testing.T) {
	var inputs []string
	for c := 0; c < 256; c++ {
		inputs = append(inputs, "x"+string([]byte{byte(c)})+"y")
	}
	for r := rune(0); r < 0x3000; r++ {
		inputs = append(inputs, string(r))
	}
	for _, in := range inputs {
		out := Escape(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Escape(%q) = %q is not valid UTF-8", in, out)
		}
		if i := firstUnsafe(out); i >= 0 {
			t.Fatalf("Escape(%q) = %q still has an unsafe character at %d", in, out, i)
		}
		if strings.ContainsAny(out, "\n\r\x1b") {
			t.Fatalf("Escape(%q) = %q", in, out)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "a\nb", "\xff", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) || firstUnsafe(out) >= 0 {
			t.Fatalf("Escape(%q) = %q is not safe", s, out)
		}
		if firstUnsafe(s) < 0 && out != s {
			t.Fatalf("Escape(%q) = %q changed safe text", s, out)
		}
	})
}

func BenchmarkEscapeSafe(b *testing.B) {
	s := strings.Repeat("alice@example.com ", 8)
	for b.Loop() {
		_ = Escape(s)
	}
}
