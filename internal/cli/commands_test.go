package cli

import (
	"context"
	"strings"
	"testing"
)

// TestEveryCommandHasHelp: every command of the table prints its help as
// `help NAME` and as `NAME --help`, on stdout, with status 0.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		for _, args := range [][]string{{"help", c.name}, {c.name, "--help"}} {
			var out, errb strings.Builder
			inv := &invocation{
				args:   append([]string{"git-credential-ppm"}, args...),
				getenv: func(string) string { return "" },
				stdin:  strings.NewReader(""),
				stdout: &out, stderr: &errb,
			}
			if code := dispatch(context.Background(), inv); code != exitOK || !strings.Contains(out.String(), "usage: ") {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want its help and 0", args, code, out.String(), errb.String())
			}
		}
	}
}

// TestExitStatus: the one mapping of a command's error to the exit status
// and what is printed.
func TestExitStatus(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"success", nil, exitOK, ""},
		{"a failure says one line", errNoAddress, exitFailure, "git-credential-ppm: no Package Manager address is configured"},
		{"a usage error keeps what wrapped it", &usageError{err: errNoAddress}, exitUsage, "git-credential-ppm: no Package Manager"},
		{"a usage error with help", &usageError{err: errNoAddress, help: "usage: x\n"}, exitUsage, "configured"},
		{"a status is silent", withStatus(42), 42, ""},
		{"a reported failure is silent", errReported, exitFailure, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errb strings.Builder
			inv := &invocation{getenv: func(string) string { return "" }, stderr: &errb}
			if got := exitStatus(inv, c.err); got != c.code {
				t.Errorf("status %d; want %d", got, c.code)
			}
			if c.stderr == "" && errb.Len() != 0 || !strings.Contains(errb.String(), c.stderr) {
				t.Errorf("stderr %q; want %q", errb.String(), c.stderr)
			}
			if c.code != exitOK && c.stderr != "" && strings.Count(errb.String(), "git-credential-ppm:") != 1 {
				t.Errorf("stderr %q; want one line", errb.String())
			}
		})
	}
	if withStatus(exitOK) != nil {
		t.Error("withStatus(0) is an error")
	}
}
