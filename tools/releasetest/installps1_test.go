package releasetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInstallPs1 runs install.ps1 through PowerShell's parser when pwsh is
// installed; either way it checks the script's shape: the three parameters
// of install.sh, the hash check before the first write to -Dir, and the
// same archive names. (It runs for real in the Windows jobs of ci.yml and release.yml.)
func TestInstallPs1(t *testing.T) {
	root, _ := filepath.Abs("../..")
	path := filepath.Join(root, "install.ps1")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if pwsh, err := exec.LookPath("pwsh"); err == nil {
		script := `$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile($args[0], [ref]$null, [ref]$e); if ($e) { $e | % { $_.Message }; exit 1 }`
		if out, err := exec.Command(pwsh, "-NoProfile", "-Command", script, path).CombinedOutput(); err != nil {
			t.Fatalf("PowerShell cannot parse install.ps1: %v\n%s", err, out)
		}
	} else {
		t.Log("pwsh is not installed: install.ps1 is checked by shape only here; the Windows jobs of ci.yml and release.yml run it")
	}
	for _, p := range []string{`[string]$Version = ''`, `[string]$Dir = ''`, `[string]$BaseUrl = ''`} {
		if !strings.Contains(s, p) {
			t.Errorf("install.ps1 lacks the parameter %s", p)
		}
	}
	hash := strings.Index(s, "Get-FileHash -Algorithm SHA256")
	refuse := strings.Index(s, "nothing was installed")
	write := strings.Index(s, "New-Item -ItemType Directory -Force -Path $Dir")
	if hash < 0 || refuse < hash || write < refuse {
		t.Errorf("install.ps1 must hash the zip (at %d), refuse a mismatch (at %d), and only then create -Dir (at %d)", hash, refuse, write)
	}
	if !strings.Contains(s, "${name}_${Version}_windows_$arch.zip") || !strings.Contains(s, "checksums.txt") {
		t.Error("install.ps1 does not look for git-credential-ppm_<version>_windows_<arch>.zip in checksums.txt")
	}
	// Brackets balance outside strings and comments: a cheap guard for a
	// script no parser here can read.
	code := regexp.MustCompile(`(?s)<#.*?#>|#[^\n]*|'[^']*'|"(?:[^"`+"`"+`]|`+"`"+`.)*"`).ReplaceAllString(s, "")
	for _, pair := range []string{"{}", "()", "[]"} {
		if o, c := strings.Count(code, pair[:1]), strings.Count(code, pair[1:]); o != c {
			t.Errorf("install.ps1 has %d %q and %d %q outside strings", o, pair[:1], c, pair[1:])
		}
	}
}
