//go:build unix

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// execInvocation is an in-process `exec` whose environment is env alone:
// the process's own PATH is not in it.
func execInvocation(t *testing.T, env map[string]string, args ...string) (*invocation, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	inv := &invocation{
		args:   append([]string{"git-credential-ppm", "exec"}, args...),
		getenv: func(k string) string { return env[k] },
		environ: func() []string {
			var list []string
			for k, v := range env {
				list = append(list, k+"="+v)
			}
			return list
		},
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
	}
	return inv, &out, &errb
}

// writeScript puts an executable shell script named name in dir.
func writeScript(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// The command exec runs is looked up in the invocation's PATH, not in the
// process's: a test (or an embedding) that injects PATH gets that PATH.
func TestExecFindsTheCommandInTheInjectedPATH(t *testing.T) {
	bin := t.TempDir()
	name := "ppm-exec-probe"
	writeScript(t, bin, name, `printf 'token-set=%s\n' "${PACKAGEMANAGER_TOKEN:+yes}"`)
	if strings.Contains(os.Getenv("PATH"), bin) {
		t.Fatal("the test's directory is on the process PATH; the test would prove nothing")
	}
	env := map[string]string{
		"HOME":                   t.TempDir(),
		"PATH":                   bin + ":/usr/bin:/bin",
		"PACKAGEMANAGER_ADDRESS": "http://127.0.0.1:9",
		"PACKAGEMANAGER_TOKEN":   "opaque-test-token",
		"PPM_CREDENTIAL_STORE":   "file",
	}
	inv, out, errb := execInvocation(t, env, "--", name)
	if code := dispatch(context.Background(), inv); code != 0 {
		t.Fatalf("exec exited %d: %s", code, errb)
	}
	if got := out.String(); got != "token-set=yes\n" {
		t.Fatalf("the probe printed %q, want token-set=yes", got)
	}
}

// A bare name that only a relative PATH entry supplies is refused with
// exit 127 and one line, and nothing runs.
func TestExecRefusesACommandFromARelativePATHEntry(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	marker := filepath.Join(dir, "ran")
	writeScript(t, dir, "ppm-exec-probe", "touch "+marker)
	env := map[string]string{
		"HOME":                   t.TempDir(),
		"PATH":                   ".:/usr/bin:/bin",
		"PACKAGEMANAGER_ADDRESS": "http://127.0.0.1:9",
		"PACKAGEMANAGER_TOKEN":   "opaque-test-token",
		"PPM_CREDENTIAL_STORE":   "file",
	}
	inv, _, errb := execInvocation(t, env, "--", "ppm-exec-probe")
	if code := dispatch(context.Background(), inv); code != 127 {
		t.Fatalf("exec exited %d, want 127: %s", code, errb)
	}
	if want := `relative PATH entry "."`; !strings.Contains(errb.String(), want) || strings.Count(errb.String(), "\n") != 1 {
		t.Fatalf("stderr %q: want one line naming %s", errb, want)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran")
	}
	// Given as a path, the same program runs.
	inv, _, errb = execInvocation(t, env, "--", "./ppm-exec-probe")
	if code := dispatch(context.Background(), inv); code != 0 {
		t.Fatalf("exec ./ppm-exec-probe exited %d: %s", code, errb)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("./ppm-exec-probe did not run")
	}
}
