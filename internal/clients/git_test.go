package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// TestGitApplyCheckUndo: with a global `store` helper, Apply resets the
// list for the address and adds this helper; Check is ✓ with this helper
// alone; Undo leaves the global config as it was; Check is then unwired.
func TestGitApplyCheckUndo(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com/ppm", toolDir(t, "git"))
	te.git("config", "--global", "credential.helper", "store")
	before := te.git("config", "--global", "--list")
	beforeFile := mustRead(t, te.vars["GIT_CONFIG_GLOBAL"])

	if r := (Git{}).Check(te.Env); r.Wired || len(r.at(Unwired)) != 1 {
		t.Fatalf("Check before setup: %+v", r)
	}
	dry := te.session(true)
	if changed, err := (Git{}).Apply(dry); err != nil || !changed {
		t.Fatalf("dry Apply: %v %v", changed, err)
	}
	if got := te.git("config", "--global", "--list"); got != before {
		t.Fatalf("a dry run changed the config: %q", got)
	}
	s := te.session(false)
	if changed, err := (Git{}).Apply(s); err != nil || !changed {
		t.Fatalf("Apply: %v %v %q", changed, err, s.Out)
	}
	key := "credential.https://ppm.example.com.helper"
	vals, _ := te.gitValues(testtool.Need(t, "git"), key)
	self, _ := quoteForShell(filepath.ToSlash(te.Self))
	if !slices.Equal(vals, []string{"", self}) {
		t.Errorf("%s = %q; want the reset line, then %s", key, vals, self)
	}
	r := (Git{}).Check(te.Env)
	if !r.Wired || len(r.at(OK)) != 1 || len(r.Lines) != 1 {
		t.Fatalf("Check after Apply: %+v", r)
	}
	again := te.session(false)
	if changed, err := (Git{}).Apply(again); err != nil || changed || !strings.Contains(strings.Join(again.Out, "\n"), "(unchanged)") {
		t.Errorf("second Apply: changed=%v %v %q", changed, err, again.Out)
	}
	if err := (Git{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, te.vars["GIT_CONFIG_GLOBAL"]); got != beforeFile {
		t.Errorf("~/.gitconfig after Undo:\n%s\nwant it as it was:\n%s", got, beforeFile)
	}
	if r := (Git{}).Check(te.Env); r.Wired {
		t.Errorf("Check after Undo: %+v", r)
	}
}

// TestGitApplyMovesAnOldLineAfterTheReset: a `helper = ppm` of the
// person's own (the README's old manual line) is kept, once, after the
// reset; Undo takes only the reset line away. Check named `store` before.
func TestGitApplyMovesAnOldLineAfterTheReset(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "git"))
	git := testtool.Need(t, "git")
	key := "credential.https://ppm.example.com.helper"
	te.git("config", "--global", "credential.helper", "store")
	te.git("config", "--global", key, "ppm")
	r := (Git{}).Check(te.Env)
	if p := r.at(Problem); len(p) != 1 || !strings.Contains(p[0], "store") {
		t.Fatalf("Check with store before ppm does not name store: %+v", r)
	}
	s := te.session(false)
	if _, err := (Git{}).Apply(s); err != nil {
		t.Fatal(err)
	}
	if vals, _ := te.gitValues(git, key); !slices.Equal(vals, []string{"", "ppm"}) {
		t.Errorf("after Apply: %q", vals)
	}
	if r := (Git{}).Check(te.Env); !r.Wired || len(r.at(OK)) != 1 {
		t.Errorf("Check after Apply: %+v", r)
	}
	if err := (Git{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if vals, _ := te.gitValues(git, key); !slices.Equal(vals, []string{"ppm"}) {
		t.Errorf("after Undo: %q; want the person's own line back", vals)
	}
}

// TestHelpersForAgreesWithGit compares helpersFor with the helpers real
// git runs: each configured helper is a shell snippet that logs its name
// and answers nothing, so `git credential fill` calls every one in turn.
func TestHelpersForAgreesWithGit(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "git"), "/bin", "/usr/bin")
	git := testtool.Need(t, "git")
	log := filepath.Join(te.Home, "called.log")
	helper := func(name string) string { return "!f() { echo " + name + " >> '" + log + "'; cat >/dev/null; }; f" }
	type entry struct{ key, name string }
	configs := map[string][]entry{
		"global store, then ours after a reset": {
			{"credential.helper", "store"},
			{"credential.https://ppm.example.com.helper", ""},
			{"credential.https://ppm.example.com.helper", "ppm"},
		},
		"reset before a later global helper": {
			{"credential.https://ppm.example.com.helper", ""},
			{"credential.https://ppm.example.com.helper", "ppm"},
			{"credential.helper", "cache"},
		},
		"other hosts, schemes, ports, paths and users do not match": {
			{"credential.https://other.example.com.helper", "other"},
			{"credential.http://ppm.example.com.helper", "plain"},
			{"credential.https://ppm.example.com:8443.helper", "port"},
			{"credential.https://ppm.example.com/git.helper", "path"},
			{"credential.https://me@ppm.example.com.helper", "user"},
			{"credential.https://ppm.example.com:443/.helper", "default-port"},
			{"credential.https://*.example.com.helper", "wildcard"},
			{"credential.https://*.com.helper", "too-short"},
			{"credential.HTTPS://PPM.example.COM.helper", "case"},
		},
		"sections for a path match requests under it, at a slash": {
			{"credential.https://ppm.example.com/some.helper", "parent"},
			{"credential.https://ppm.example.com/some/repo.git.helper", "exact"},
			{"credential.https://ppm.example.com/som.helper", "partial"},
			{"credential.https://ppm.example.com/some/.helper", "trailing-slash"},
			{"credential.https://ppm.example.com/some/repo.git/deeper.helper", "deeper"},
		},
		"a section for a path resets the list there": {
			{"credential.helper", "cache"},
			{"credential.https://ppm.example.com.helper", ""},
			{"credential.https://ppm.example.com.helper", "ppm"},
			{"credential.https://ppm.example.com/some.helper", ""},
			{"credential.https://ppm.example.com/some.helper", "scoped"},
		},
	}
	for name, entries := range configs {
		t.Run(name, func(t *testing.T) {
			os.Remove(te.vars["GIT_CONFIG_GLOBAL"])
			os.Remove(log)
			for _, en := range entries {
				v := en.name
				if v != "" {
					v = helper(en.name)
				}
				te.git("config", "--global", "--add", en.key, v)
			}
			cmd := exec.Command(git, "credential", "fill")
			cmd.Env = append(te.Environ, "GIT_TERMINAL_PROMPT=0")
			cmd.Stdin = strings.NewReader("protocol=https\nhost=ppm.example.com\npath=some/repo.git\n")
			cmd.Run() // fails: nobody answered
			b, _ := os.ReadFile(log)
			called := strings.Fields(string(b))
			list, err := te.gitHelperEntries(git)
			if err != nil {
				t.Fatal(err)
			}
			var ours []string
			for _, v := range helpersFor(list, "https", "ppm.example.com", "some/repo.git") {
				i := strings.Index(v, "echo ")
				ours = append(ours, strings.Fields(v[i+5:])[0])
			}
			if len(called) == 0 {
				t.Fatalf("git called no helper; the test config is wrong")
			}
			t.Logf("git called %q", called)
			if !slices.Equal(ours, called) {
				t.Errorf("helpersFor = %q; git called %q", ours, called)
			}
		})
	}
}

func TestQuoteForShell(t *testing.T) {
	cases := map[string]string{
		"/usr/local/bin/git-credential-ppm":           "/usr/local/bin/git-credential-ppm",
		"/home/me/dir with space/git-credential-ppm":  `/home/me/dir\ with\ space/git-credential-ppm`,
		"C:/Program Files/ppm/git-credential-ppm.exe": `C:/Program\ Files/ppm/git-credential-ppm.exe`,
		"/opt/it's $HOME; (x)/g":                      `/opt/it\'s\ \$HOME\;\ \(x\)/g`,
		"/home/jörg/bin/g":                            "/home/jörg/bin/g",
	}
	for in, want := range cases {
		got, err := quoteForShell(in)
		if err != nil || got != want {
			t.Errorf("quoteForShell(%q) = %q, %v; want %q", in, got, err, want)
		}
		if back := unquoteShell(got); back != in {
			t.Errorf("unquoteShell(%q) = %q; want %q", got, back, in)
		}
	}
	if _, err := quoteForShell("/a\nb"); err == nil {
		t.Errorf("a path with a line break was quoted")
	}
}

// TestQuotedHelperRunsInGitsShell: a helper path with a space, quoted as
// setup writes it, is run by real git.
func TestQuotedHelperRunsInGitsShell(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "git"), "/bin", "/usr/bin")
	dir := filepath.Join(te.Home, "dir with space")
	os.MkdirAll(dir, 0o755)
	helper := filepath.Join(dir, "git-credential-ppm")
	os.WriteFile(helper, []byte("#!/bin/sh\ncat >/dev/null\necho username=__token__\necho password=from-quoted-helper\n"), 0o755)
	te.Self = helper
	s := te.session(false)
	if _, err := (Git{}).Apply(s); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testtool.Need(t, "git"), "credential", "fill")
	cmd.Env = append(te.Environ, "GIT_TERMINAL_PROMPT=0")
	cmd.Stdin = strings.NewReader("url=https://ppm.example.com/git/repo.git\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "password=from-quoted-helper") {
		t.Errorf("git did not run the quoted helper: %v\n%s\nconfig:\n%s", err, out, te.git("config", "--global", "--list"))
	}
}

// TestGitConfigThroughSymlink: a ~/.gitconfig that is a dotfile manager's
// link stays a link through Apply and Undo (git writes through it), and
// its target ends as it began.
func TestGitConfigThroughSymlink(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "git"))
	target := filepath.Join(te.Home, "dotfiles", "gitconfig")
	os.MkdirAll(filepath.Dir(target), 0o755)
	own := "[user]\n\tname = Someone\n[credential]\n\thelper = store\n"
	os.WriteFile(target, []byte(own), 0o644)
	link := te.vars["GIT_CONFIG_GLOBAL"]
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("SKIPPING: cannot make symbolic links here: %v", err)
	}
	isLink := func() bool { fi, err := os.Lstat(link); return err == nil && fi.Mode()&os.ModeSymlink != 0 }
	s := te.session(false)
	if _, err := (Git{}).Apply(s); err != nil {
		t.Fatal(err)
	}
	if !isLink() || !strings.Contains(mustRead(t, target), "credential \"https://ppm.example.com\"") {
		t.Fatalf("after Apply: link %v, target %q", isLink(), mustRead(t, target))
	}
	if err := (Git{}).Undo(s); err != nil {
		t.Fatal(err)
	}
	if !isLink() || mustRead(t, target) != own {
		t.Errorf("after Undo: link %v, target %q; want %q", isLink(), mustRead(t, target), own)
	}
}

// TestGitCheckNamesEveryOtherHelper: doctor names each helper git would
// call for the address besides this one — a global cache as well as a
// store, before setup as after it, and one from a credential.<url>
// section for a path under the address, which setup's reset does not
// reach — and a path section that resets the list away from this helper.
func TestGitCheckNamesEveryOtherHelper(t *testing.T) {
	te := newTestEnv(t, "https://ppm.example.com", toolDir(t, "git"))
	key := "credential.https://ppm.example.com.helper"
	te.git("config", "--global", "credential.helper", "cache --timeout=3600")
	r := (Git{}).Check(te.Env)
	if u := r.at(Unwired); r.Wired || len(u) != 1 || !strings.Contains(u[0], "git asks only cache --timeout=3600 for https://ppm.example.com") {
		t.Errorf("Check with a global cache and no setup: %+v", r)
	}
	te.git("config", "--global", "--add", key, "ppm")
	r = (Git{}).Check(te.Env)
	if p := r.at(Problem); len(p) != 1 || !strings.Contains(p[0], "also calls the helper(s) cache --timeout=3600") {
		t.Errorf("Check with a global cache before ppm: %+v", r)
	}
	if _, err := (Git{}).Apply(te.session(false)); err != nil {
		t.Fatal(err)
	}
	if r := (Git{}).Check(te.Env); len(r.at(OK)) != 1 || len(r.Lines) != 1 {
		t.Fatalf("Check after setup: %+v", r)
	}
	te.git("config", "--global", "--add", "credential.https://ppm.example.com/git/repo.git.helper", "osxkeychain")
	r = (Git{}).Check(te.Env)
	if p := r.at(Problem); len(p) != 1 || !strings.Contains(p[0], "osxkeychain (for https://ppm.example.com/git/repo.git)") || len(r.at(OK)) != 0 {
		t.Errorf("Check with a helper for a path under the address: %+v", r)
	}
	te.git("config", "--global", "--unset-all", "credential.https://ppm.example.com/git/repo.git.helper")
	te.git("config", "--global", "--add", "credential.https://ppm.example.com/git.helper", "")
	te.git("config", "--global", "--add", "credential.https://ppm.example.com/git.helper", "manager")
	r = (Git{}).Check(te.Env)
	p := r.at(Problem)
	if len(p) != 2 || !strings.Contains(p[0], "manager (for https://ppm.example.com/git)") || !strings.Contains(p[1], "for https://ppm.example.com/git a credential.<url> section for that path resets the helper list") {
		t.Errorf("Check with a path section that resets the list: %+v", r)
	}
}
