package clients

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestUVApplyRefusesWhatItCannotWriteAsTOML: setup edits uv.toml a line at
// a time (comments and layout stay), and go-toml reads the file before and
// the edit after: a uv.toml that is not TOML, or one whose keyring-provider
// the line scan does not see (a quoted key, which the added line would
// duplicate), is left as it is, with one line saying what to do.
func TestUVApplyRefusesWhatItCannotWriteAsTOML(t *testing.T) {
	for _, c := range []struct{ name, file, want string }{
		{"not TOML", "[[index]\nurl = \"https://ppm.example.com/pypi/latest/simple/\"\n", "is not valid TOML at line 1"},
		{"quoted key", "\"keyring-provider\" = \"disabled\"\n", "would not set it at the top level; add it there by hand"},
	} {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEnv(t, "https://ppm.example.com")
			conf := uvConfigPath(te.Env)
			os.MkdirAll(filepath.Dir(conf), 0o700)
			os.WriteFile(conf, []byte(c.file), 0o600)
			changed, err := (UV{}).Apply(te.session(false))
			if changed || err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), conf) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Apply = (%v, %v); want one line naming %s and saying %q", changed, err, conf, c.want)
			}
			if got := mustRead(t, conf); got != c.file {
				t.Errorf("Apply changed a uv.toml it refused: %q", got)
			}
		})
	}
}

// TestUVApplyKeepsComments: the person's comments and layout survive.
func TestUVApplyKeepsComments(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	conf := uvConfigPath(te.Env)
	os.MkdirAll(filepath.Dir(conf), 0o700)
	own := "# my uv settings\nkeyring-provider = \"disabled\" # for now\n\n[[index]]\nurl = \"https://ppm.example.com/pypi/latest/simple/\" # PPM\n"
	os.WriteFile(conf, []byte(own), 0o600)
	if changed, err := (UV{}).Apply(te.session(false)); err != nil || !changed {
		t.Fatalf("Apply: %v %v", changed, err)
	}
	want := strings.Replace(own, "keyring-provider = \"disabled\" # for now", "keyring-provider = \"subprocess\"", 1)
	if got := mustRead(t, conf); got != want {
		t.Errorf("uv.toml after Apply:\n%s\nwant:\n%s", got, want)
	}
}

// TestUVCheckReadsTOML: Check reads keyring-provider as uv does (go-toml),
// not as a line containing "subprocess", and names a uv.toml uv would
// refuse.
func TestUVCheckReadsTOML(t *testing.T) {
	for _, c := range []struct {
		name, file string
		wired      bool
		level      Level
		want       string
	}{
		{"subprocess", "keyring-provider = \"subprocess\" # setup\n", true, OK, `sets keyring-provider = "subprocess"`},
		{"literal string", "keyring-provider = 'subprocess'\n", true, OK, `sets keyring-provider = "subprocess"`},
		{"the word in a comment", "keyring-provider = \"disabled\" # not subprocess\n", false, Unwired, "is not \"subprocess\""},
		{"inside a table", "[[index]]\nkeyring-provider = \"subprocess\"\n", false, Unwired, "is not \"subprocess\""},
		{"not TOML", "keyring-provider = subprocess\n", false, Problem, "is not valid TOML at line 1"},
		{"no file", "<missing>", false, Unwired, "is not \"subprocess\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEnv(t, "https://ppm.example.com")
			bin := filepath.Join(te.Home, "bin")
			os.MkdirAll(bin, 0o755)
			name := "uv"
			if runtime.GOOS == "windows" {
				name = "uv.exe"
			}
			// Check only looks uv up on PATH; it does not run it.
			os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\nexit 0\n"), 0o755)
			te.set("PATH", bin)
			conf := uvConfigPath(te.Env)
			if c.file != "<missing>" {
				os.MkdirAll(filepath.Dir(conf), 0o700)
				os.WriteFile(conf, []byte(c.file), 0o600)
			}
			r := (UV{}).Check(te.Env)
			got := strings.Join(r.at(c.level), "\n")
			if r.Wired != c.wired || !strings.Contains(got, c.want) {
				t.Errorf("Check = %+v; want wired %v and a line saying %q", r, c.wired, c.want)
			}
		})
	}
}
