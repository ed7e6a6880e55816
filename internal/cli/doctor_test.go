package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
