package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// TestServerTextIsEscapedForPeople: a token whose subject carries terminal
// controls (a title change, a screen clear, a newline forging a row) is
// shown escaped by login and status, and exactly by status --json.
func TestServerTextIsEscapedForPeople(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	evil := "\x1b]0;pwned\x07\x1b[2J\nforged: row"
	id := filepath.Join(w.home, "oidc-token")
	if err := os.WriteFile(id, []byte(w.ppm.IssueIdentityToken(evil)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", id)
	login := w.run("", "login")
	st := w.run("", "status")
	for name, r := range map[string]result{"login": login, "status": st} {
		if r.code != 0 {
			t.Fatalf("%s: exit %d, %s", name, r.code, r.stderr)
		}
		out := r.stdout + r.stderr
		if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\nforged") {
			t.Errorf("%s printed the subject's controls raw: %q", name, out)
		}
		if !strings.Contains(out, `\x1b]0;pwned\x07\x1b[2J\nforged: row`) {
			t.Errorf("%s does not show the subject escaped: %q", name, out)
		}
	}
	js := w.run("", "status", "--json")
	var rep statusJSON
	if err := json.Unmarshal([]byte(js.stdout), &rep); err != nil || len(rep.Addresses) != 1 {
		t.Fatalf("status --json: %v\n%s", err, js.stdout)
	}
	if got := rep.Addresses[0].Subject; got != evil {
		t.Errorf("status --json subject %q; want it exactly %q", got, evil)
	}
}
