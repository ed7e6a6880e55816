package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// TestDoctorServerChecks runs the server checks in-process against small
// servers, with the local clock injected: a skewed clock is reported with
// its direction, a server that is not PPM is named as such.
func TestDoctorServerChecks(t *testing.T) {
	ppmLike := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"unsupported_grant_type"}`))
	}
	notPPM := func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>welcome</html>"))
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		skew    time.Duration
		want    []string
		failed  bool
	}{
		{"in sync", ppmLike, 0, []string{"✓ http", "token endpoint answers (unsupported_grant_type", "✓ clock"}, false},
		{"clock ahead", ppmLike, 2 * time.Minute, []string{"✗ clock: this machine's clock is 2m", "ahead of the server's"}, true},
		{"clock behind", ppmLike, -45 * time.Second, []string{"✗ clock: this machine's clock is 4", "behind the server's"}, true},
		{"within tolerance", ppmLike, 20 * time.Second, []string{"✓ clock"}, false},
		{"not Package Manager", notPPM, 0, []string{"answered 200 without an OAuth error"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			var out strings.Builder
			e := &invocation{args: []string{"git-credential-ppm", "doctor"}, getenv: func(string) string { return "" }, stdout: &out, stderr: &out}
			d := &doctor{e: e, now: func() time.Time { return time.Now().Add(c.skew) }}
			addr, err := protocol.ParseAddress(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			d.checkServer(context.Background(), addr)
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if d.failed != c.failed {
				t.Errorf("failed = %v; want %v:\n%s", d.failed, c.failed, out.String())
			}
		})
	}
}

// TestDoctorGitOnlyUserPasses: git wired, pip and uv not: their lines are
// notes and doctor exits 0.
func TestDoctorGitOnlyUserPasses(t *testing.T) {
	testtool.Need(t, "git")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	key := "credential." + w.ppm.URL() + ".helper"
	w.git("config", "--global", key, "")
	w.git("config", "--global", "--add", key, helperBin)
	r := w.run("", "doctor")
	if r.code != 0 || strings.Contains(r.stdout, "✗") || !strings.Contains(r.stdout, "✓ git: ") {
		t.Errorf("doctor for a git-only user: %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout, "✓ pip") || strings.Contains(r.stdout, "✓ uv") {
		t.Errorf("doctor says pip/uv are wired:\n%s", r.stdout)
	}
}

// TestDoctorWithoutAddress: one line, exit 1.
func TestDoctorWithoutAddress(t *testing.T) {
	w := newWorld(t, fakeppm.Options{})
	w.set("PACKAGEMANAGER_ADDRESS", "")
	r := w.run("", "doctor")
	if r.code != 1 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, "✗ configuration: no Package Manager address is configured") {
		t.Errorf("doctor without an address: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestDoctorIdentityFileThatIsAFIFO: doctor names a FIFO as not a regular
// file instead of blocking on it.
func TestDoctorIdentityFileThatIsAFIFO(t *testing.T) {
	mkfifo := testtool.Need(t, "mkfifo")
	w := newWorld(t, fakeppm.Options{})
	fifo := filepath.Join(w.home, "oidc-fifo")
	if r := w.runCmd(exec.Command(mkfifo, fifo), ""); r.code != 0 {
		t.Fatalf("mkfifo: %s", r.stderr)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", fifo)
	r := w.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ identity: ") || !strings.Contains(r.stdout, "not a regular file") {
		t.Errorf("doctor with a FIFO as identity token file: %d\n%s", r.code, r.stdout)
	}
}
