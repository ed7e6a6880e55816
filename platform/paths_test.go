package platform

import (
	"errors"
	"path/filepath"
	"strings"
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
		{"~user is a relative path", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "~bob/t.toml"}, "linux", noHome, ""},
		{"relative", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "tokens.toml"}, "linux", noHome, ""},
		{"dot relative", map[string]string{"HOME": "/home/me", "PACKAGEMANAGER_SSO_TOKEN_FILE": "./x/tokens.toml"}, "linux", noHome, ""},
		{"Windows drive path", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": `C:\ppm\t.toml`}, "windows", noHome, `C:\ppm\t.toml`},
		{"Windows rooted path", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": `\ppm\t.toml`}, "windows", noHome, `\ppm\t.toml`},
		{"Windows UNC path", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": `\\srv\share\t.toml`}, "windows", noHome, `\\srv\share\t.toml`},
		{"Windows drive-relative", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": `C:t.toml`}, "windows", noHome, ""},
		{"Windows relative", map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": `ppm\t.toml`}, "windows", noHome, ""},
		{"HOME on Windows without USERPROFILE", map[string]string{"HOME": `D:\me`}, "windows", noHome, filepath.Join(`D:\me`, ".ppm", "tokens.toml")},
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

func TestRelativeTokensPathMessage(t *testing.T) {
	_, err := tokensPath(func(k string) string {
		return map[string]string{"PACKAGEMANAGER_SSO_TOKEN_FILE": "tokens.toml", "HOME": "/home/me"}[k]
	}, "linux", nil)
	if err == nil || !strings.Contains(err.Error(), "PACKAGEMANAGER_SSO_TOKEN_FILE") || !strings.Contains(err.Error(), "absolute") {
		t.Fatalf("a relative PACKAGEMANAGER_SSO_TOKEN_FILE gave %v; want an error naming the variable and saying to make it absolute", err)
	}
}

func TestHomeDir(t *testing.T) {
	noHome := func() (string, error) { return "", errors.New("no home") }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if h, err := homeDir(env(map[string]string{"HOME": "/h", "USERPROFILE": `C:\u`}), "linux", noHome); err != nil || h != "/h" {
		t.Errorf("linux homeDir = (%q, %v); want /h", h, err)
	}
	if h, err := homeDir(env(map[string]string{"HOME": "/h", "USERPROFILE": `C:\u`}), "windows", noHome); err != nil || h != `C:\u` {
		t.Errorf("windows homeDir = (%q, %v); want USERPROFILE", h, err)
	}
	if h, err := homeDir(env(nil), "linux", func() (string, error) { return "/os", nil }); err != nil || h != "/os" {
		t.Errorf("homeDir fallback = (%q, %v); want /os", h, err)
	}
	if _, err := homeDir(env(nil), "linux", noHome); err == nil {
		t.Error("homeDir with no home at all succeeded")
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
