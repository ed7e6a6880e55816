package clients

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSetLineAndBack: setLine makes the key read the line; unsetLine with
// the recorded change gives back the file exactly.
func TestSetLineAndBack(t *testing.T) {
	const pipLine, uvLine = "keyring-provider = subprocess", `keyring-provider = "subprocess"`
	cases := []struct {
		name, in, section, line, want string
		changed                       bool
	}{
		{"empty INI file", "", "global", pipLine, "[global]\nkeyring-provider = subprocess\n", true},
		{"section present", "[global]\ntimeout = 60\n", "global", pipLine, "[global]\nkeyring-provider = subprocess\ntimeout = 60\n", true},
		{"section case differs", "[GLOBAL]\ntimeout = 60\n", "global", pipLine, "[GLOBAL]\nkeyring-provider = subprocess\ntimeout = 60\n", true},
		{"other value replaced", "[global]\nkeyring-provider = import\n", "global", pipLine, "[global]\nkeyring-provider = subprocess\n", true},
		{"spaces around =", "[global]\n  keyring-provider=auto\n", "global", pipLine, "[global]\nkeyring-provider = subprocess\n", true},
		{"already there", "[global]\nkeyring-provider = subprocess\n", "global", pipLine, "[global]\nkeyring-provider = subprocess\n", false},
		{"key in another section is not ours", "[install]\nkeyring-provider = import\n", "global", pipLine, "[install]\nkeyring-provider = import\n\n[global]\nkeyring-provider = subprocess\n", true},
		{"comment kept", "# mine\n[global]\n; note\n", "global", pipLine, "# mine\n[global]\nkeyring-provider = subprocess\n; note\n", true},
		{"CRLF file", "[global]\r\ntimeout = 60\r\n", "global", pipLine, "[global]\nkeyring-provider = subprocess\ntimeout = 60\n", true},
		{"TOML empty", "", "", uvLine, "keyring-provider = \"subprocess\"\n", true},
		{"TOML top level before tables", "native-tls = true\n\n[[index]]\nurl = \"x\"\n", "", uvLine, "keyring-provider = \"subprocess\"\nnative-tls = true\n\n[[index]]\nurl = \"x\"\n", true},
		{"TOML key inside a table is not the top level", "[[index]]\nkeyring-provider = \"x\"\n", "", uvLine, "keyring-provider = \"subprocess\"\n[[index]]\nkeyring-provider = \"x\"\n", true},
		{"TOML replaced", "keyring-provider = \"disabled\"\n", "", uvLine, "keyring-provider = \"subprocess\"\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ed := setLine(splitLines(c.in), c.section, "keyring-provider", c.line)
			if got := string(joinLines(ed.lines)); got != c.want || ed.changed != c.changed {
				t.Fatalf("setLine: %q changed=%v; want %q changed=%v", got, ed.changed, c.want, c.changed)
			}
			if !ed.changed {
				return
			}
			back, found := unsetLine(ed.lines, FileChange{Line: c.line, Previous: ed.previous, Section: ed.section})
			want := strings.ReplaceAll(c.in, "\r\n", "\n")
			if got := string(joinLines(back)); !found || got != want {
				t.Errorf("unsetLine: %q (found %v); want the original %q", got, found, want)
			}
		})
	}
}

func TestUnsetLineLeavesAFileWithoutTheLineAlone(t *testing.T) {
	in := splitLines("[global]\ntimeout = 60\n")
	out, found := unsetLine(in, FileChange{Line: "keyring-provider = subprocess", Section: "global"})
	if found || string(joinLines(out)) != "[global]\ntimeout = 60\n" {
		t.Errorf("unsetLine on a file without the line: %q found=%v", joinLines(out), found)
	}
}

func TestDropEmptySectionKeepsSectionsWithKeys(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a = 1\n\n[global]\n", "a = 1\n"},
		{"a = 1\n\n[global]\n\n[other]\nb = 2\n", "a = 1\n\n[other]\nb = 2\n"},
		{"[global]\nx = 1\n", "[global]\nx = 1\n"},
	}
	for _, c := range cases {
		if got := string(joinLines(dropEmptySection(splitLines(c.in), "global"))); got != c.want {
			t.Errorf("dropEmptySection(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// TestConfigLineThroughSymlink: a pip.conf that is a link (a dotfile
// manager's) stays a link; its target gets the line, and undo gives the
// target its content back. A dangling link's target is created and then
// removed again, leaving the link as it was.
func TestConfigLineThroughSymlink(t *testing.T) {
	for _, dangling := range []bool{false, true} {
		te := newTestEnv(t, "https://ppm.example.com")
		dotfiles := filepath.Join(te.Home, "dotfiles")
		os.MkdirAll(dotfiles, 0o755)
		target := filepath.Join(dotfiles, "pip.conf")
		own := "[global]\ntimeout = 60\n"
		if !dangling {
			os.WriteFile(target, []byte(own), 0o644)
		}
		conf := pipConfigPath(te.Env)
		os.MkdirAll(filepath.Dir(conf), 0o755)
		if err := os.Symlink("../../dotfiles/pip.conf", conf); err != nil {
			t.Skipf("SKIPPING: cannot make symbolic links here: %v", err)
		}
		s := te.session(false)
		if changed, err := (Pip{}).Apply(s); err != nil || !changed {
			t.Fatalf("Apply: %v %v", changed, err)
		}
		if fi, err := os.Lstat(conf); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("pip.conf is no longer a link after Apply: %v %v", fi, err)
		}
		if got := mustRead(t, target); !strings.Contains(got, "keyring-provider = subprocess") {
			t.Errorf("the link's target lacks the line: %q", got)
		}
		if fi, _ := os.Stat(target); !dangling && fi.Mode().Perm() != 0o644 {
			t.Errorf("the target's mode changed to %v", fi.Mode().Perm())
		}
		if err := (Pip{}).Undo(s); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(conf); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("pip.conf is no longer a link after Undo: %v %v", fi, err)
		}
		if dangling {
			if exists(target) {
				t.Errorf("Undo left the target setup created behind the dangling link")
			}
		} else if got := mustRead(t, target); got != own {
			t.Errorf("the target after Undo: %q; want %q", got, own)
		}
	}
}

func TestConfigLineRefusesALinkLoop(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com")
	conf := pipConfigPath(te.Env)
	os.MkdirAll(filepath.Dir(conf), 0o755)
	other := filepath.Join(filepath.Dir(conf), "other")
	if err := os.Symlink(other, conf); err != nil {
		t.Skipf("SKIPPING: cannot make symbolic links here: %v", err)
	}
	os.Symlink(conf, other)
	if _, err := (Pip{}).Apply(te.session(false)); err == nil {
		t.Errorf("Apply through a link loop succeeded")
	}
	if fi, err := os.Lstat(conf); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the looping link was replaced: %v %v", fi, err)
	}
}

func TestQuoteRegexpAsQuoteMeta(t *testing.T) {
	for _, s := range []string{"", "credential.https://ppm.example.com", `a.b+c*d?e(f)g|h[i]j{k}l^m$n\o`, "plain", "é.ü"} {
		if got, want := quoteRegexp(s), regexp.QuoteMeta(s); got != want {
			t.Errorf("quoteRegexp(%q) = %q; regexp.QuoteMeta gives %q", s, got, want)
		}
	}
}
