package clients

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

const ruleAddress = "https://ppm.example.invalid"

// target is the Target doctor builds for raw under ruleAddress; token is
// the token it would serve ("" for none).
func target(t *testing.T, raw, token string) *Target {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := protocol.ParseAddress(ruleAddress)
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{URL: u, Address: a, Matched: true}
	if token != "" {
		tg.Served = func(s string) bool { return s == token }
	}
	return tg
}

// failed returns the failed findings of check.
func failed(fs []Finding, check string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Check == check && !f.OK {
			out = append(out, f)
		}
	}
	return out
}

// expectRule checks that check fired (want true) with a fix containing
// fix, or stayed quiet.
func expectRule(t *testing.T, fs []Finding, check string, want bool, fix string) {
	t.Helper()
	got := failed(fs, check)
	switch {
	case want && len(got) == 0:
		t.Errorf("rule %q did not fire:\n%s", check, dump(fs))
	case want && !strings.Contains(got[0].Fix, fix):
		t.Errorf("rule %q fix %q lacks %q", check, got[0].Fix, fix)
	case !want && len(got) > 0:
		t.Errorf("rule %q fired on a good configuration: %s (fix: %s)", check, got[0].Detail, got[0].Fix)
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		mark := "✓"
		if !f.OK {
			mark = "✗"
		}
		b.WriteString(mark + " " + f.Client + "/" + f.Check + ": " + f.Detail + " | fix: " + f.Fix + "\n")
	}
	return b.String()
}

// script writes an executable shell script.
func script(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ourKeyring puts a `keyring` link to Self into a directory of its own
// and returns that directory, for PATH.
func (te *testEnv) ourKeyring() string {
	dir := filepath.Join(te.Home, "keyring-bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		te.t.Fatal(err)
	}
	if err := os.Symlink(te.Self, filepath.Join(dir, "keyring")); err != nil {
		te.t.Fatal(err)
	}
	return dir
}

func TestVersions(t *testing.T) {
	r := Versions{From: "23.1", Before: "26.2"}
	for v, want := range map[string]bool{"23.0.1": false, "23.1": true, "23.2.1": true, "26.1.2": true, "26.2": false, "26.2.1": false, "24.1b1": true, "garbage": true} {
		if r.Has(v) != want {
			t.Errorf("%v.Has(%q) = %v", r, v, !want)
		}
	}
	if !(Versions{}).Has("1.0") || (Versions{Before: "4.5.2", From: "4.5.0"}).Has("4.5.2") || !(Versions{Before: "4.5.2", From: "4.5.0"}).Has("4.5.1") {
		t.Error("open ranges or patch versions")
	}
}

func TestParseNetrc(t *testing.T) {
	text := "# mine\nmachine a.example.invalid\n  login alice\n  password pw1\nmacdef init\ncd /\nmachine fake login x password y\n\nmachine b.example.invalid login __token__ password pw2 account acct\ndefault login anon password guest\n"
	got := parseNetrc(text)
	want := []netrcEntry{{"a.example.invalid", "alice", "pw1", 2}, {"b.example.invalid", "__token__", "pw2", 9}, {"", "anon", "guest", 10}}
	if len(got) != len(want) {
		t.Fatalf("entries %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// pipEnv is a user whose PATH finds pip (a real one, or a fake that says
// version and runs Debian's pip 23.0.1 for everything else, so the
// configuration is still read by a real pip) and this helper's keyring.
func pipEnv(t *testing.T, version string) *testEnv {
	t.Helper()
	py := testtool.Need(t, "/usr/bin/python3")
	te := newTestEnv(t, ruleAddress)
	bin := filepath.Join(te.Home, "bin")
	if version == "" {
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(py, filepath.Join(bin, "python3")); err != nil {
			t.Fatal(err)
		}
	} else {
		script(t, filepath.Join(bin, "pip"), `case "$1" in
--version) echo "pip `+version+` from /fake/site-packages/pip (python 3.11)";;
debug) echo "sys.executable: `+py+`";;
*) exec `+py+` -m pip "$@";;
esac
`)
	}
	te.set("PATH", bin+string(os.PathListSeparator)+te.ourKeyring())
	return te
}

func (te *testEnv) pipConf(text string) {
	write(te.t, filepath.Join(te.Home, ".config", "pip", "pip.conf"), text)
}

// TestPipRules: each pip rule fires on a broken configuration and stays
// quiet on a good one, with Debian's real pip 23.0.1 and, for the rules of
// later pips, a pip that says it is newer (its configuration read by the
// real pip).
func TestPipRules(t *testing.T) {
	index := ruleAddress + "/pypi/latest/simple/"
	withUser := strings.Replace(index, "://", "://__token__@", 1)
	t.Run("23.0.1 no-input", func(t *testing.T) {
		te := pipEnv(t, "")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "no-input", false, "")
		te.set("PIP_NO_INPUT", "1")
		fs := Pip{}.Explain(te.Env, target(t, index, ""))
		expectRule(t, fs, "no-input", true, "unset PIP_NO_INPUT")
		if !strings.Contains(dump(fs), "is pip 23.0.1") {
			t.Errorf("not Debian's pip 23.0.1:\n%s", dump(fs))
		}
		// pip 23.0 only imports keyring: Debian's has no backend of ours.
		expectRule(t, fs, "keyring backend", true, "-m pip install git-credential-ppm")
	})
	t.Run("no-input with auto", func(t *testing.T) {
		te := pipEnv(t, "25.0")
		te.set("PIP_NO_INPUT", "yes")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "no-input", true, "pip config set global.keyring-provider subprocess")
		te.pipConf("[global]\nkeyring-provider = subprocess\nindex-url = " + withUser + "\n")
		fs := Pip{}.Explain(te.Env, target(t, index, ""))
		expectRule(t, fs, "no-input", false, "")
		expectRule(t, fs, "keyring command", false, "")
	})
	t.Run("user name before 26.2", func(t *testing.T) {
		te := pipEnv(t, "25.0")
		te.pipConf("[global]\n# ours\nkeyring-provider = subprocess\nindex-url = " + index + "\n")
		conf := filepath.Join(te.Home, ".config", "pip", "pip.conf")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "user name", true, "change line 4 of "+conf+" to: index-url = "+withUser)
		te.pipConf("[global]\nkeyring-provider = subprocess\nindex-url = " + withUser + "\n")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "user name", false, "")
		te.pipConf("[global]\nkeyring-provider = subprocess\n[install]\nindex-url = " + strings.Replace(index, "://", "://bob@", 1) + "\n")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "user name", true, "change line 4 of "+conf)
	})
	t.Run("no user needed from 26.2", func(t *testing.T) {
		te := pipEnv(t, "26.2")
		te.set("PIP_INDEX_URL", index)
		te.set("PIP_KEYRING_PROVIDER", "subprocess")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "user name", false, "")
	})
	t.Run("disabled provider and a password", func(t *testing.T) {
		te := pipEnv(t, "25.0")
		te.set("PIP_KEYRING_PROVIDER", "disabled")
		te.set("PIP_INDEX_URL", strings.Replace(index, "://", "://__token__:old@", 1))
		fs := Pip{}.Explain(te.Env, target(t, index, ""))
		expectRule(t, fs, "keyring provider", true, "export PIP_KEYRING_PROVIDER=subprocess")
		expectRule(t, fs, "password in URL", true, "export PIP_INDEX_URL="+withUser)
		if strings.Contains(dump(fs), "old@") {
			t.Errorf("the password was printed:\n%s", dump(fs))
		}
	})
	t.Run("netrc", func(t *testing.T) {
		te := pipEnv(t, "25.0")
		te.set("PIP_KEYRING_PROVIDER", "subprocess")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "tok")), "netrc", false, "")
		write(t, filepath.Join(te.Home, ".netrc"), "machine other.invalid login a password b\nmachine ppm.example.invalid login __token__ password stale\n")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "tok")), "netrc", true, "delete the entry \"machine ppm.example.invalid\" at line 2 of "+filepath.Join(te.Home, ".netrc"))
		write(t, filepath.Join(te.Home, ".netrc"), "machine ppm.example.invalid login __token__ password tok\n")
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "tok")), "netrc", false, "")
	})
}

// uvEnv is a user with a uv that says its version (uv itself is not
// installed here: the rules read uv's configuration files).
func uvEnv(t *testing.T, version string) *testEnv {
	t.Helper()
	te := newTestEnv(t, ruleAddress)
	bin := filepath.Join(te.Home, "bin")
	script(t, filepath.Join(bin, "uv"), `echo "uv `+version+` (0000000 2026-01-01)"`+"\n")
	te.set("PATH", bin+string(os.PathListSeparator)+te.ourKeyring())
	te.Dir = filepath.Join(te.Home, "project")
	if err := os.MkdirAll(te.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return te
}

func TestUVRules(t *testing.T) {
	index := ruleAddress + "/pypi/latest/simple/"
	withUser := strings.Replace(index, "://", "://__token__@", 1)
	userToml := func(te *testEnv, text string) string {
		p := filepath.Join(te.Home, ".config", "uv", "uv.toml")
		write(t, p, text)
		return p
	}
	t.Run("provider", func(t *testing.T) {
		te := uvEnv(t, "0.12.5")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "keyring provider", true, "UV_KEYRING_PROVIDER=subprocess")
		userToml(te, "keyring-provider = \"subprocess\"\n")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "keyring provider", false, "")
	})
	t.Run("user name or authenticate always", func(t *testing.T) {
		te := uvEnv(t, "0.12.5")
		p := userToml(te, "keyring-provider = \"subprocess\"\n\n[[index]]\nname = \"ppm\"\nurl = \""+index+"\"\n")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "user name", true, "write the url as \""+withUser+"\" at line 5 of "+p+`, or add authenticate = "always"`)
		te.set("UV_INDEX_PPM_USERNAME", "__token__")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "user name", false, "")
		te.set("UV_INDEX_PPM_USERNAME", "")
		userToml(te, "keyring-provider = \"subprocess\"\n\n[[index]]\nname = \"ppm\"\nurl = \""+index+"\"\nauthenticate = \"always\"\n")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "user name", false, "")
		old := uvEnv(t, "0.6.8") // before authenticate = "always" asked keyring
		old.set("UV_KEYRING_PROVIDER", "subprocess")
		write(t, filepath.Join(old.Dir, "pyproject.toml"), "[project]\nname = \"x\"\n\n[[tool.uv.index]]\nname = \"ppm\"\nurl = \""+index+"\"\nauthenticate = \"always\"\n")
		expectRule(t, UV{}.Explain(old.Env, target(t, index, "")), "user name", true, "of "+filepath.Join(old.Dir, "pyproject.toml"))
	})
	t.Run("no index", func(t *testing.T) {
		te := uvEnv(t, "0.12.5")
		te.set("UV_KEYRING_PROVIDER", "subprocess")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "index", true, "export UV_INDEX="+withUser)
		te.set("UV_INDEX", "ppm="+withUser)
		fs := UV{}.Explain(te.Env, target(t, index, ""))
		expectRule(t, fs, "index", false, "")
		expectRule(t, fs, "user name", false, "")
	})
	t.Run("netrc", func(t *testing.T) {
		te := uvEnv(t, "0.12.5")
		te.set("UV_KEYRING_PROVIDER", "subprocess")
		te.set("UV_INDEX", withUser)
		netrc := filepath.Join(te.Home, "my-netrc")
		write(t, netrc, "default login me password pw\n")
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "netrc", false, "") // ~/.netrc: none
		te.set("NETRC", netrc)
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "netrc", true, "delete the entry \"default\" at line 1 of "+netrc)
	})
	t.Run("certificates", func(t *testing.T) {
		te := uvEnv(t, "0.12.0")
		te.set("UV_KEYRING_PROVIDER", "subprocess")
		te.set("UV_INDEX", withUser)
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "certificates", false, "")
		te.set("SSL_CERT_FILE", filepath.Join(te.Home, "no-such-ca.pem"))
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "certificates", true, "unset SSL_CERT_FILE")
		older := uvEnv(t, "0.11.8") // ignored an unreadable file with a warning
		older.set("SSL_CERT_FILE", filepath.Join(te.Home, "no-such-ca.pem"))
		older.set("UV_NATIVE_TLS", "1")
		fs := UV{}.Explain(older.Env, target(t, index, ""))
		expectRule(t, fs, "certificates", false, "")
		if strings.Contains(dump(fs), "deprecated") {
			t.Errorf("UV_NATIVE_TLS called deprecated before 0.11.9:\n%s", dump(fs))
		}
		te.set("UV_NATIVE_TLS", "1")
		if !strings.Contains(dump(UV{}.Explain(te.Env, target(t, index, ""))), "UV_NATIVE_TLS is deprecated in uv 0.12.0; instead: export UV_SYSTEM_CERTS=1") {
			t.Errorf("UV_NATIVE_TLS not called deprecated")
		}
	})
	t.Run("venv keyring", func(t *testing.T) {
		te := uvEnv(t, "0.12.5")
		te.set("UV_KEYRING_PROVIDER", "subprocess")
		te.set("UV_INDEX", withUser)
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "venv keyring", false, "")
		venv := filepath.Join(te.Dir, ".venv")
		script(t, filepath.Join(venv, "bin", "keyring"), "# python keyring stand-in\nexit 1\n")
		os.WriteFile(filepath.Join(venv, "bin", "keyring"), []byte("#!"+filepath.Join(venv, "bin", "python")+"\nimport keyring.cli\n"), 0o755)
		expectRule(t, UV{}.Explain(te.Env, target(t, index, "")), "venv keyring", true, filepath.Join(venv, "bin", "python")+" -m pip install git-credential-ppm")
	})
}

// gitEnv is a user with the real git.
func gitEnv(t *testing.T) *testEnv {
	te := newTestEnv(t, ruleAddress, toolDir(t, "git"))
	return te
}

func TestGitRules(t *testing.T) {
	u := ruleAddress + "/git/demo.git"
	key := "credential." + ruleAddress + ".helper"
	t.Run("helpers", func(t *testing.T) {
		te := gitEnv(t)
		expectRule(t, Git{}.Explain(te.Env, target(t, u, "")), "helpers", true, "git-credential-ppm setup")
		te.git("config", "--global", "credential.helper", "store")
		te.git("config", "--global", "--add", key, te.Self)
		fs := Git{}.Explain(te.Env, target(t, u, ""))
		expectRule(t, fs, "helpers", true, "git-credential-ppm setup")
		if !strings.Contains(dump(fs), "git asks store ("+filepath.Join(te.Home, ".gitconfig")+") before this helper") {
			t.Errorf("store before ours not named with its file:\n%s", dump(fs))
		}
		te.git("config", "--global", "--unset-all", key)
		te.git("config", "--global", "--add", key, "")
		te.git("config", "--global", "--add", key, te.Self)
		te.git("config", "--global", "--add", key, "cache")
		fs = Git{}.Explain(te.Env, target(t, u, ""))
		if f := failed(fs, "helpers"); len(f) != 1 || !strings.Contains(f[0].Detail, "hands the token to cache") {
			t.Errorf("cache after ours:\n%s", dump(fs))
		}
		te.git("config", "--global", "--unset", key, "cache")
		expectRule(t, Git{}.Explain(te.Env, target(t, u, "")), "helpers", false, "")
	})
	t.Run("netrc and password", func(t *testing.T) {
		te := gitEnv(t)
		te.git("config", "--global", key, te.Self)
		expectRule(t, Git{}.Explain(te.Env, target(t, u, "")), "netrc", false, "")
		write(t, filepath.Join(te.Home, ".netrc"), "machine PPM.example.invalid login me password pw\n")
		expectRule(t, Git{}.Explain(te.Env, target(t, u, "")), "netrc", true, "at line 1 of "+filepath.Join(te.Home, ".netrc"))
		tg := target(t, u, "")
		tg.HasPassword = true
		expectRule(t, Git{}.Explain(te.Env, tg), "password in URL", true, "git remote set-url origin "+u)
	})
	t.Run("helper not on PATH", func(t *testing.T) {
		te := gitEnv(t)
		te.git("config", "--global", key, "ppm")
		expectRule(t, Git{}.Explain(te.Env, target(t, u, "")), "helper command", true, "git-credential-ppm setup")
		te.set("PATH", te.Getenv("PATH")+string(os.PathListSeparator)+filepath.Dir(te.Self))
		expectRule(t, Git{}.Explain(te.Env, target(t, u, "")), "helper command", false, "")
	})
}

// twineEnv is a user with Debian's real twine (whose Python has keyring
// but not our backend).
func twineEnv(t *testing.T) *testEnv {
	twine := testtool.Need(t, "twine")
	te := newTestEnv(t, ruleAddress)
	bin := filepath.Join(te.Home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(twine, filepath.Join(bin, "twine")); err != nil {
		t.Fatal(err)
	}
	te.set("PATH", bin)
	return te
}

func TestTwineRules(t *testing.T) {
	u := ruleAddress + "/upload/pypi/local-python-src"
	t.Run("TWINE_PASSWORD", func(t *testing.T) {
		te := twineEnv(t)
		fs := Twine{}.Explain(te.Env, target(t, u, "tok"))
		expectRule(t, fs, "password", false, "")
		expectRule(t, fs, "keyring backend", true, "-m pip install git-credential-ppm")
		te.set("TWINE_PASSWORD", "left-over")
		fs = Twine{}.Explain(te.Env, target(t, u, "tok"))
		expectRule(t, fs, "password", true, "unset TWINE_PASSWORD")
		if strings.Contains(dump(fs), "left-over") {
			t.Errorf("TWINE_PASSWORD's value was printed")
		}
		te.set("TWINE_PASSWORD", "tok")
		expectRule(t, Twine{}.Explain(te.Env, target(t, u, "tok")), "password", false, "")
	})
	t.Run("pypirc", func(t *testing.T) {
		te := twineEnv(t)
		rc := filepath.Join(te.Home, ".pypirc")
		write(t, rc, "[distutils]\nindex-servers = ppm\n\n[ppm]\nrepository = "+u+"\nusername: bob\npassword = old\n")
		fs := Twine{}.Explain(te.Env, target(t, u, "tok"))
		expectRule(t, fs, "password", true, "delete line 7 of "+rc)
		expectRule(t, fs, "user name", true, "change "+rc+" [ppm] line 6 to: username = __token__")
		write(t, rc, "[ppm]\nrepository = "+u+"\nusername = __token__\n")
		fs = Twine{}.Explain(te.Env, target(t, u, "tok"))
		expectRule(t, fs, "password", false, "")
		expectRule(t, fs, "user name", false, "")
		te.set("TWINE_USERNAME", "carol")
		expectRule(t, Twine{}.Explain(te.Env, target(t, u, "tok")), "user name", true, "export TWINE_USERNAME=__token__")
	})
}

// TestPipRulesWithPATHsPip: the pip that `python3` on PATH runs (here
// pyenv's pip 23.2.1; Debian's 23.0.1 on a clean Debian 12), its version
// deciding which no-input rule applies.
func TestPipRulesWithPATHsPip(t *testing.T) {
	py := testtool.Need(t, "python3")
	out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	te := newTestEnv(t, ruleAddress)
	bin := filepath.Join(te.Home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(strings.TrimSpace(string(out)), filepath.Join(bin, "python3")); err != nil {
		t.Fatal(err)
	}
	te.set("PATH", bin+string(os.PathListSeparator)+te.ourKeyring())
	index := ruleAddress + "/pypi/latest/simple/"
	pips, _ := findPips(te.Env)
	if len(pips) == 0 {
		t.Fatalf("%s has no pip", py)
	}
	version := pips[0].version
	t.Logf("python3 on PATH runs pip %s", version)
	te.set("PIP_NO_INPUT", "1")
	fs := Pip{}.Explain(te.Env, target(t, index, ""))
	if pipProviderOption.Has(version) {
		expectRule(t, fs, "no-input", true, "pip config set global.keyring-provider subprocess")
		te.set("PIP_KEYRING_PROVIDER", "subprocess")
		te.set("PIP_INDEX_URL", index)
		fs = Pip{}.Explain(te.Env, target(t, index, ""))
		expectRule(t, fs, "no-input", false, "")
		expectRule(t, fs, "user name", pipSubprocessNeedsUser.Has(version), "export PIP_INDEX_URL="+withTokenUser(index))
		te.set("PIP_INDEX_URL", withTokenUser(index))
		expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "user name", false, "")
	} else {
		expectRule(t, fs, "no-input", true, "unset PIP_NO_INPUT")
	}
	te.set("PIP_NO_INPUT", "")
	expectRule(t, Pip{}.Explain(te.Env, target(t, index, "")), "no-input", false, "")
}

// rEnv is a user whose R reads profile (R_PROFILE_USER).
func rEnv(t *testing.T, rscriptDir string) (*testEnv, string) {
	te := newTestEnv(t, ruleAddress, rscriptDir)
	profile := filepath.Join(te.Home, "Rprofile")
	te.set("R_PROFILE_USER", profile)
	return te, profile
}

// TestRRules: the real R reads the repositories from the user's profile;
// a token in a repository URL leaks, and a profile that names no
// repository on the host sends R elsewhere.
func TestRRules(t *testing.T) {
	rscript := testtool.NeedFrom(t, "Rscript", "r-base-core")
	u := ruleAddress + "/cran/latest"
	te, profile := rEnv(t, filepath.Dir(rscript))
	write(t, profile, `options(repos = c(PPM = "https://__token__:sekret-token@ppm.example.invalid/cran/latest"))`+"\n")
	fs := R{}.Explain(te.Env, target(t, u, ""))
	expectRule(t, fs, "token in URL", true, "remove the user and password from line 1 of "+profile)
	if strings.Contains(dump(fs), "sekret-token") {
		t.Errorf("the token in the repository URL was printed:\n%s", dump(fs))
	}
	expectRule(t, fs, "download method", false, "") // R 4.2 honours download.file.method
	write(t, profile, `options(repos = c(PPM = "`+u+`", CRAN = "https://cloud.r-project.org"))`+"\n")
	fs = R{}.Explain(te.Env, target(t, u, ""))
	expectRule(t, fs, "token in URL", false, "")
	expectRule(t, fs, "repos", false, "")
	write(t, profile, `options(repos = c(CRAN = "https://cloud.r-project.org"))`+"\n")
	expectRule(t, R{}.Explain(te.Env, target(t, u, "")), "repos", true, "options(repos = c(PPM = ")
}

// TestRMethodRule: R 4.5.0 and 4.5.1 ignore download.file.method for
// package files (an Rscript that says its version; R 4.5 is not here).
func TestRMethodRule(t *testing.T) {
	for v, want := range map[string]bool{"4.4.3": false, "4.5.0": true, "4.5.1": true, "4.5.2": false} {
		te := newTestEnv(t, ruleAddress)
		bin := filepath.Join(te.Home, "bin")
		script(t, filepath.Join(bin, "Rscript"), "echo version="+v+"\necho profile="+filepath.Join(te.Home, ".Rprofile")+"\necho PPM="+ruleAddress+"/cran/latest\n")
		te.set("PATH", bin)
		expectRule(t, R{}.Explain(te.Env, target(t, ruleAddress+"/cran/latest", "")), "download method", want, "use R 4.5.2 or later")
	}
}
