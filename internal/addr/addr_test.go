package addr

import "testing"

func TestKeyAndSame(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://ppm.example.com", "https://ppm.example.com", true},
		{"https://ppm.example.com/", "https://ppm.example.com", true},
		{"https://ppm.example.com//", "https://ppm.example.com", true},
		{"https://ppm.example.com/ppm/", "https://ppm.example.com/ppm", true},
		{"https://ppm.example.com", "https://PPM.example.com", false},
		{"https://ppm.example.com", "https://ppm.example.com:443", false},
		{"https://ppm.example.com/ppm", "https://ppm.example.com", false},
		{"https://ppm.example.com", "http://ppm.example.com", false},
		{"", "/", true},
	}
	for _, tt := range tests {
		if got := Same(tt.a, tt.b); got != tt.same {
			t.Errorf("Same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
		if got := Same(tt.b, tt.a); got != tt.same {
			t.Errorf("Same(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.same)
		}
		if got := Key(tt.a) == Key(tt.b); got != tt.same {
			t.Errorf("Key(%q) == Key(%q) is %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"localhost":        true,
		"LocalHost":        true,
		"127.0.0.1":        true,
		"127.1.2.3":        true,
		"::1":              true,
		"0:0::1":           true,
		"::ffff:127.0.0.1": true,
		"::1%eth0":         false,
		"128.0.0.1":        false,
		"10.0.0.1":         false,
		"::2":              false,
		"localhost.":       false,
		"localhost.com":    false,
		"locaLhoſt":        false, // U+017F folds to s in Unicode, not in ASCII
		"":                 false,
		"[::1]":            false, // brackets belong to the URL, not the host
	}
	for host, want := range tests {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestFoldASCII(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{"https", "HTTPS", true},
		{"https", "HtTpS", true},
		{"https", "httpſ", false},        // U+017F
		{"kelvin", "\u212aelvin", false}, // Kelvin sign
		{"posit", "posİt", false},        // U+0130
		{"a", "", false},
		{"", "", true},
		{"ppm-1.example", "PPM-1.EXAMPLE", true},
		{"[", "{", false}, // 0x5b and 0x7b differ by 0x20 but are not letters
	}
	for _, tt := range tests {
		if got := EqualFoldASCII(tt.a, tt.b); got != tt.equal {
			t.Errorf("EqualFoldASCII(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.equal)
		}
		if tt.equal != (LowerASCII(tt.a) == LowerASCII(tt.b)) {
			t.Errorf("LowerASCII(%q) = %q, LowerASCII(%q) = %q", tt.a, LowerASCII(tt.a), tt.b, LowerASCII(tt.b))
		}
	}
	if got := LowerASCII("PosİT.Co"); got != "posİt.co" {
		t.Errorf("LowerASCII kept %q", got)
	}
}
