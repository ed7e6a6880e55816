// Package addr holds the two rules about a Package Manager address that
// every layer needs and that must not differ between them: when two
// spellings name the same stored token (Key, Same), and which hosts are
// this machine (IsLoopback). It imports nothing of ours, so protocol,
// platform, tokens and oauth can all use it without changing the arrows
// between them (docs/architecture.md).
package addr

import (
	"net/netip"
	"strings"
)

// Key is the identity of a configured address for storing its token:
// the address as configured with trailing slashes removed, so that
// "https://ppm.example.com/" and "https://ppm.example.com" share one
// token. Nothing else is normalised: other tools that share tokens.toml
// (rspm, pak) compare the strings as they are.
func Key(address string) string {
	return strings.TrimRight(address, "/")
}

// Same reports whether a and b name the same stored token: equal, or
// differing only by trailing slashes.
func Same(a, b string) bool {
	return a == b || Key(a) == Key(b)
}

// IsLoopback reports whether host (without port or brackets) is this
// machine: "localhost" in any ASCII case, 127.0.0.0/8, ::1 or an
// IPv4-mapped loopback address. An address with a zone is not loopback.
// Tokens may travel over plain http only to such a host.
func IsLoopback(host string) bool {
	if EqualFoldASCII(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// EqualFoldASCII reports whether a and b are equal with ASCII letters
// compared case-insensitively. Unlike strings.EqualFold it folds nothing
// else: "ſ" (U+017F) is not "s" and "K" (U+212A, Kelvin) is not "k", as
// DNS, TLS and the clients see them. Schemes and hosts compare this way.
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// LowerASCII returns s with ASCII letters in lower case and every other
// byte as it is (strings.ToLower would map "İ" to "i̇" and "K" to "k").
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
