package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "git-credential-ppm.exe")
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(bin, []byte("MZ pretend"), 0o755)
	os.WriteFile(readme, []byte("# hi\n"), 0o644)
	args := []string{"--binary", bin, "--goos", "windows", "--goarch", "arm64", "--version", "v2.0.0", "--out", filepath.Join(dir, "dist"), "--readme", readme, "--license-file", filepath.Join(dir, "none")}

	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	path := strings.TrimSpace(out.String())
	if filepath.Base(path) != "git_credential_ppm-2.0.0-py3-none-win_arm64.whl" {
		t.Fatalf("wrote %q", path)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !f.Modified.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: %v, not SOURCE_DATE_EPOCH", f.Name, f.Modified)
		}
		if strings.HasSuffix(f.Name, "/LICENSE") {
			t.Errorf("a LICENSE entry from a missing license file")
		}
	}
	if len(zr.File) != 6 || !strings.HasSuffix(zr.File[len(zr.File)-1].Name, ".dist-info/RECORD") {
		t.Errorf("entries: %v", zr.File)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "dist", "*.tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}

	for name, c := range map[string]struct {
		args []string
		env  string
		code int
		msg  string
	}{
		"no flags":       {nil, "", 2, "required"},
		"extra argument": {append(args, "x"), "", 2, "required"},
		"unknown flag":   {append([]string{"--frob"}, args...), "", 2, "frob"},
		"missing binary": {append(append([]string{}, args...), "--binary", filepath.Join(dir, "nope")), "", 1, "cannot read the binary"},
		"bad epoch":      {args, "yesterday", 1, "SOURCE_DATE_EPOCH"},
		"bad version":    {append(append([]string{}, args...), "--version", "main"), "", 1, "MAJOR.MINOR.PATCH"},
		"unknown target": {append(append([]string{}, args...), "--goarch", "mips"), "", 1, "no wheel platform"},
		"missing readme": {append(append([]string{}, args...), "--readme", filepath.Join(dir, "nope.md")), "", 1, "long description"},
		"empty license":  {append(append([]string{}, args...), "--license", ""), "", 1, "no license"},
	} {
		t.Setenv("SOURCE_DATE_EPOCH", c.env)
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.msg) || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d and %q", name, code, out.String(), errb.String(), c.code, c.msg)
		}
	}
}
