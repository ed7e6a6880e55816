package platform

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DefaultTokensPath returns the path of the file store:
// PACKAGEMANAGER_SSO_TOKEN_FILE when set (a leading ~ is the home
// directory, as R's path.expand has it for pak), else ~/.ppm/tokens.toml
// (on Windows %USERPROFILE%\.ppm\tokens.toml). The home directory comes from
// getenv("HOME") (USERPROFILE on Windows), then os.UserHomeDir.
func DefaultTokensPath(getenv func(string) string) (string, error) {
	return tokensPath(getenv, runtime.GOOS, os.UserHomeDir)
}

func tokensPath(getenv func(string) string, goos string, userHomeDir func() (string, error)) (string, error) {
	home := func() (string, error) {
		h := getenv("HOME")
		if goos == "windows" {
			h = getenv("USERPROFILE")
		}
		if h != "" {
			return h, nil
		}
		h, err := userHomeDir()
		if err != nil || h == "" {
			return "", errors.New("cannot find your home directory for the tokens file ~/.ppm/tokens.toml; set HOME (USERPROFILE on Windows) or PACKAGEMANAGER_SSO_TOKEN_FILE")
		}
		return h, nil
	}
	if p := getenv("PACKAGEMANAGER_SSO_TOKEN_FILE"); p != "" {
		rest, tilde := strings.CutPrefix(p, "~")
		if !tilde || (rest != "" && rest[0] != '/' && !(goos == "windows" && rest[0] == '\\')) {
			return p, nil // "~user/…" and ordinary paths are taken as they are
		}
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, rest), nil
	}
	h, err := home()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, ".ppm", "tokens.toml"), nil
}
