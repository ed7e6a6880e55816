package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// HomeDir returns the home directory: getenv("USERPROFILE") on Windows,
// then getenv("HOME"), then os.UserHomeDir. The environment comes first so
// that a command run with another HOME (tests, sudo -H, a container) uses
// it.
func HomeDir(getenv func(string) string) (string, error) {
	return homeDir(getenv, runtime.GOOS, os.UserHomeDir)
}

func homeDir(getenv func(string) string, goos string, userHomeDir func() (string, error)) (string, error) {
	if goos == "windows" {
		if h := getenv("USERPROFILE"); h != "" {
			return h, nil
		}
	}
	if h := getenv("HOME"); h != "" {
		return h, nil
	}
	h, err := userHomeDir()
	if err != nil || h == "" {
		return "", errors.New("cannot find your home directory; set HOME (USERPROFILE on Windows)")
	}
	return h, nil
}

// DefaultTokensPath returns the path of the file store:
// PACKAGEMANAGER_SSO_TOKEN_FILE when set (a leading ~ is the home
// directory, as R's path.expand has it for pak), else ~/.ppm/tokens.toml
// (on Windows %USERPROFILE%\.ppm\tokens.toml), the home directory as HomeDir
// finds it. A relative PACKAGEMANAGER_SSO_TOKEN_FILE is an error: git runs
// helpers in the repository's directory, where it would put tokens.
func DefaultTokensPath(getenv func(string) string) (string, error) {
	return tokensPath(getenv, runtime.GOOS, os.UserHomeDir)
}

func tokensPath(getenv func(string) string, goos string, userHomeDir func() (string, error)) (string, error) {
	home := func() (string, error) {
		h, err := homeDir(getenv, goos, userHomeDir)
		if err != nil {
			return "", errors.New("cannot find your home directory for the tokens file ~/.ppm/tokens.toml; set HOME (USERPROFILE on Windows) or PACKAGEMANAGER_SSO_TOKEN_FILE")
		}
		return h, nil
	}
	if p := getenv("PACKAGEMANAGER_SSO_TOKEN_FILE"); p != "" {
		rest, tilde := strings.CutPrefix(p, "~")
		if !tilde || (rest != "" && rest[0] != '/' && !(goos == "windows" && rest[0] == '\\')) {
			if !isAbs(p, goos) {
				return "", fmt.Errorf("PACKAGEMANAGER_SSO_TOKEN_FILE=%q is a relative path, which would put tokens in whatever directory the helper runs in (a git repository); set it to an absolute path", p)
			}
			return p, nil
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

// isAbs reports whether p names the same file whatever the current
// directory, for goos, so that tests check Windows paths on any OS. On
// Windows a rooted path (`\x`, "/x", resolved on the current drive) counts,
// as well as `C:\x` and UNC paths; "x", `.\x` and "C:x" do not.
func isAbs(p, goos string) bool {
	if goos != "windows" {
		return strings.HasPrefix(p, "/")
	}
	if len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') {
		return true
	}
	return strings.HasPrefix(p, `\`) || strings.HasPrefix(p, "/")
}
