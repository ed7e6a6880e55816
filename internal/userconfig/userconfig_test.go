package userconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func same(a, b string) bool { return strings.TrimRight(a, "/") == strings.TrimRight(b, "/") }

// TestDirIsUserConfigDir: Dir answers what os.UserConfigDir answers for the
// same environment, set for real in the process.
func TestDirIsUserConfigDir(t *testing.T) {
	home := t.TempDir()
	for name, env := range map[string]map[string]string{
		"HOME only":                {"HOME": home, "XDG_CONFIG_HOME": "", "APPDATA": home},
		"XDG_CONFIG_HOME":          {"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "xdg"), "APPDATA": home},
		"relative XDG_CONFIG_HOME": {"HOME": home, "XDG_CONFIG_HOME": "rel/dir", "APPDATA": home},
		"nothing":                  {"HOME": "", "XDG_CONFIG_HOME": "", "APPDATA": ""},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			want, wantErr := os.UserConfigDir()
			got, err := Dir(os.Getenv)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Errorf("Dir = %q, %v; os.UserConfigDir = %q, %v", got, err, want, wantErr)
			}
		})
	}
}

// TestDirPerOS: the rule of each OS, checked on any OS.
func TestDirPerOS(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "APPDATA": `C:\Users\u\AppData\Roaming`, "XDG_CONFIG_HOME": "/x"}
	getenv := func(k string) string { return env[k] }
	for goos, want := range map[string]string{
		"linux":   "/x",
		"freebsd": "/x",
		"darwin":  "/home/u/Library/Application Support",
		"windows": `C:\Users\u\AppData\Roaming`,
	} {
		if got, err := dir(getenv, goos); got != want || err != nil {
			t.Errorf("%s: %q, %v; want %q", goos, got, err, want)
		}
	}
	delete(env, "XDG_CONFIG_HOME")
	if got, _ := dir(getenv, "linux"); got != "/home/u/.config" {
		t.Errorf("linux without XDG_CONFIG_HOME: %q", got)
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), DirName, FileName))
	if err != nil || c.Exists || len(c.Addresses) != 0 {
		t.Fatalf("Load of a missing file: %+v, %v", c, err)
	}
}

// TestSaveKeepsOtherKeysAndIsPrivate: a round trip keeps a key this
// package does not know, writes 0600 in a 0700 directory, and an empty
// configuration removes the file.
func TestSaveKeepsOtherKeysAndIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", DirName, FileName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"future": {"x": [1, 2]}, "addresses": ["https://a.example"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if added := c.Add([]string{"https://a.example/", "https://b.example"}, same); len(added) != 1 || added[0] != "https://b.example" {
		t.Fatalf("Add: %q", added)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("saved file is not JSON: %v\n%s", err, data)
	}
	if back["future"] == nil || len(back["addresses"].([]any)) != 2 {
		t.Errorf("saved: %s", data)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
		}
	}
	c.SetAddresses(nil)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), "addresses") || !strings.Contains(string(data), "future") {
		t.Errorf("after forgetting the addresses: %s", data)
	}
	// Only our key: forgetting it removes the file.
	os.WriteFile(path, []byte(`{"addresses": ["https://a.example"]}`), 0o600)
	c, _ = Load(path)
	c.SetAddresses(nil)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("the file survived forgetting its only key: %v", err)
	}
}

// TestSaveCreatesPrivateDir: a new file gets a 0700 directory.
func TestSaveCreatesPrivateDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), DirName, FileName)
	c, _ := Load(path)
	c.Add([]string{"https://a.example"}, same)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}
	again, err := Load(path)
	if err != nil || len(again.Addresses) != 1 || again.Addresses[0] != "https://a.example" {
		t.Errorf("read back: %+v, %v", again, err)
	}
}

// TestLoadRefusesASymlink: a link in the file's place is not followed —
// the file decides where tokens go, as tokens.toml does — and the file it
// points to is left alone.
func TestLoadRefusesASymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	root := t.TempDir()
	elsewhere := filepath.Join(root, "elsewhere.json")
	os.WriteFile(elsewhere, []byte(`{"addresses": ["https://evil.invalid"]}`), 0o600)
	path := filepath.Join(root, DirName, FileName)
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.Symlink(elsewhere, path); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "is a symbolic link, which is not followed") || !strings.Contains(err.Error(), path) {
		t.Errorf("Load of a link: %v", err)
	}
	if data, _ := os.ReadFile(elsewhere); !strings.Contains(string(data), "evil.invalid") {
		t.Errorf("the link's target changed: %s", data)
	}
}

// TestLoadRefuses: what is not a small JSON object of this user is one
// sentence naming the file, never a hang or a silent empty list.
func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	cases := map[string]struct{ path, say string }{
		"not JSON":             {write("bad.json", "addresses = x", 0o600), "not a JSON object"},
		"a JSON list":          {write("list.json", `["https://a.example"]`, 0o600), "not a JSON object"},
		"addresses not a list": {write("str.json", `{"addresses": "https://a.example"}`, 0o600), "not a list of address strings"},
		"too large":            {write("big.json", `{"x": "`+strings.Repeat("a", MaxSize)+`"}`, 0o600), "larger than 64 KiB"},
		"a directory":          {dir, "not a regular file"},
	}
	if runtime.GOOS != "windows" {
		cases["writable by others"] = struct{ path, say string }{write("loose.json", `{}`, 0o666), "can be written by other users"}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(c.path)
			if err == nil || !strings.Contains(err.Error(), c.say) || !strings.Contains(err.Error(), c.path) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Load: %v; want one line with %q and the path", err, c.say)
			}
		})
	}
}
