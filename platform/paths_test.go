package platform

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestTokensPath(t *testing.T) {
	noHome := func() (string, error) { return "", errors.New("no home") }
	osHome := func() (string, error) { return "/from/os", nil }
	tests := []struct {
		name   string
		env    map[string]string
		goos   string
		osHome func() (string, error)
		want   string // "" = an error
	}{
		{"HOME", map[string]string{"HOME": "/home/me"}, "linux", noHome, filepath.Join("/home/me", ".ppm", "tokens.toml")},
		{"macOS", map[string]string{"HOME": "/Users/me"}, "darwin", noHome, filepath.Join("/Users/me", ".ppm", "tokens.toml")},
		{"USERPROFILE on Windows", map[string]string{"USERPROFILE": `C:\Users\me`, "HOME": "/ignored"}, "windows", noHome, filepath.Join(`C:\Users\me`, ".ppm", "tokens.toml")},
		{"os fallback", nil, "linux", osHome, filepath.Join("/from/os", ".ppm", "tokens.toml")},
		{"no home at all", nil, "linux", noHome, ""},
		{"the variable wins", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "/etc/ppm/t.toml"}, "linux", noHome, "/etc/ppm/t.toml"},
		{"the variable needs no home", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": "/etc/ppm/t.toml"}, "linux", noHome, "/etc/ppm/t.toml"},
		{"tilde expanded", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "~/x/t.toml"}, "linux", noHome, filepath.Join("/home/me", "x/t.toml")},
		{"bare tilde", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "~"}, "linux", noHome, filepath.Join("/home/me")},
		{"tilde without a home", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": "~/t.toml"}, "linux", noHome, ""},
		{"~user kept", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "~bob/t.toml"}, "linux", noHome, "~bob/t.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokensPath(func(k string) string { return tt.env[k] }, tt.goos, tt.osHome)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("tokensPath = %q; want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("tokensPath = (%q, %v); want %q", got, err, tt.want)
			}
		})
	}
}

func TestDefaultTokensPath(t *testing.T) {
	got, err := DefaultTokensPath(func(k string) string {
		if k == "PACKAGEMANAGER_SSO_TOKEN_FILE" {
			return "/x/tokens.toml"
		}
		return ""
	})
	if err != nil || got != "/x/tokens.toml" {
		t.Fatalf("DefaultTokensPath = (%q, %v)", got, err)
	}
}
