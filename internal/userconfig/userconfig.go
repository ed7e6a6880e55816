// Package userconfig is the user's configuration file of git-credential-ppm:
// the Package Manager addresses that `setup ADDRESS` and `login ADDRESS`
// remember, so that a new shell needs nothing exported.
//
// The file is config.json in os.UserConfigDir()/git-credential-ppm/
// (~/.config/git-credential-ppm/config.json on Linux, ~/Library/Application
// Support/git-credential-ppm/config.json on macOS,
// %AppData%\git-credential-ppm\config.json on Windows):
//
//	{"addresses": ["https://ppm.example.com"]}
//
// JSON, because the keyring backend of our wheel reads it too, with the
// standard library of every Python it supports (3.8 has no tomllib). Keys
// this package does not know are kept when it writes the file back.
// PACKAGEMANAGER_ADDRESS, when set, overrides the file entirely; that rule
// is the caller's.
package userconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/posit-dev/git-credential-ppm/internal/filekind"
	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

const (
	// DirName is the directory of the file inside the user configuration
	// directory.
	DirName = "git-credential-ppm"
	// FileName is the file's name.
	FileName = "config.json"
	// MaxSize bounds what is read: a configuration of a few addresses is
	// well under a kilobyte.
	MaxSize = 64 << 10
)

// keyAddresses is the key of the remembered addresses.
const keyAddresses = "addresses"

// Dir returns the user configuration directory as os.UserConfigDir does,
// from getenv instead of the process environment (commands run with an
// injected one): %APPDATA% on Windows, $HOME/Library/Application Support on
// macOS, else $XDG_CONFIG_HOME when it is absolute, else $HOME/.config.
func Dir(getenv func(string) string) (string, error) {
	return dir(getenv, runtime.GOOS)
}

func dir(getenv func(string) string, goos string) (string, error) {
	switch goos {
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			return d, nil
		}
		return "", errors.New("%APPDATA% is not set, so there is no user configuration directory; set it or use PACKAGEMANAGER_ADDRESS")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return h + "/Library/Application Support", nil
		}
		return "", errors.New("$HOME is not set, so there is no user configuration directory; set it or use PACKAGEMANAGER_ADDRESS")
	case "plan9":
		if h := getenv("home"); h != "" {
			return h + "/lib", nil
		}
		return "", errors.New("$home is not set, so there is no user configuration directory; set it or use PACKAGEMANAGER_ADDRESS")
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("XDG_CONFIG_HOME=%q is a relative path, so there is no user configuration directory; make it absolute or unset it", d)
		}
		return d, nil
	}
	if h := getenv("HOME"); h != "" {
		return h + "/.config", nil
	}
	return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME is set, so there is no user configuration directory; set HOME or use PACKAGEMANAGER_ADDRESS")
}

// Path returns the configuration file's path: Dir/git-credential-ppm/config.json.
func Path(getenv func(string) string) (string, error) {
	d, err := Dir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, DirName, FileName), nil
}

// Config is the configuration file as read.
type Config struct {
	// Path is the file's path.
	Path string
	// Exists: the file was there when it was read.
	Exists bool
	// Addresses are the remembered addresses, spelled as given (the stores
	// key tokens on that spelling).
	Addresses []string

	keys map[string]json.RawMessage // every key of the file, kept on Save
}

// Load reads the file at path. A file that does not exist is an empty
// configuration, not an error. The file must be a regular file of at most
// MaxSize bytes, opened without following a symbolic link in its place
// (as tokens.toml is: the file decides where tokens go); on Unix it must
// belong to this user and be writable by nobody else, and so must its
// directory. Errors are one sentence naming the file and what to do.
func Load(path string) (*Config, error) {
	c := &Config{Path: path, keys: map[string]json.RawMessage{}}
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	c.Exists = true
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(data, &c.keys); err != nil || c.keys == nil {
		return nil, fmt.Errorf("the configuration file %s is not a JSON object (%v); fix it, or remove it and run `git-credential-ppm setup ADDRESS` again", path, jsonProblem(err))
	}
	if raw, ok := c.keys[keyAddresses]; ok {
		if err := json.Unmarshal(raw, &c.Addresses); err != nil {
			return nil, fmt.Errorf("%q in the configuration file %s is not a list of address strings; fix it, e.g. {\"addresses\": [\"https://ppm.example.com\"]}", keyAddresses, path)
		}
	}
	return c, nil
}

func jsonProblem(err error) string {
	if err == nil {
		return "null"
	}
	return err.Error()
}

// readFile reads the configuration file as Load describes.
func readFile(path string) ([]byte, error) {
	f, err := safefile.OpenForRead(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("the configuration file %s is a symbolic link, which is not followed (the file decides where tokens go); put the file itself there, or link its directory instead", path)
		}
		return nil, fmt.Errorf("cannot open the configuration file %s (%w); check its permissions", path, unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the configuration file %s (%w)", path, unwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the configuration file %s is not a regular file (%s); move it away", path, filekind.Of(fi.Mode()))
	}
	if err := checkPrivate(fi, "configuration file", path); err != nil {
		return nil, err
	}
	if di, err := os.Stat(filepath.Dir(path)); err == nil {
		if err := checkPrivate(di, "configuration directory", filepath.Dir(path)); err != nil {
			return nil, err
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the configuration file %s (%w)", path, unwrapPath(err))
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("the configuration file %s is larger than %d KiB, which no configuration of this helper is; fix or remove it", path, MaxSize>>10)
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SetAddresses replaces the remembered addresses (none: the key is removed).
func (c *Config) SetAddresses(list []string) {
	c.Addresses = slices.Clone(list)
}

// Add appends the addresses of list that are not remembered yet, in order,
// and returns those it added. same reports whether two spellings name one
// address (the caller's matching rule).
func (c *Config) Add(list []string, same func(a, b string) bool) (added []string) {
	for _, a := range list {
		if !slices.ContainsFunc(c.Addresses, func(b string) bool { return same(a, b) }) {
			c.Addresses = append(c.Addresses, a)
			added = append(added, a)
		}
	}
	return added
}

// Save writes the configuration back: atomically (a reader sees the old
// file or the new one), 0600 in a 0700 directory, with every key it did
// not change as it was. A configuration left with no keys at all removes
// the file.
func (c *Config) Save() error {
	if len(c.Addresses) == 0 {
		delete(c.keys, keyAddresses)
	} else {
		raw, err := json.Marshal(c.Addresses)
		if err != nil {
			return err
		}
		c.keys[keyAddresses] = raw
	}
	if len(c.keys) == 0 {
		if !c.Exists {
			return nil
		}
		if err := os.Remove(c.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove the configuration file %s (%w); remove it by hand", c.Path, unwrapPath(err))
		}
		c.Exists = false
		return nil
	}
	data, err := json.MarshalIndent(c.keys, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return fmt.Errorf("cannot create the configuration directory %s (%w); check the permissions of its parent", filepath.Dir(c.Path), unwrapPath(err))
	}
	if err := safefile.WriteFileAtomic(c.Path, data, safefile.WriteOptions{Perm: 0o600}); err != nil {
		return fmt.Errorf("cannot write the configuration file: %w", err)
	}
	c.Exists = true
	return nil
}
