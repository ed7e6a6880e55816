package releasetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallersInDist: install.sh and install.ps1 are release files like
// the archives — in dist/, identical to the checkout's, and listed in
// checksums.txt with their sha256 — so that a person can check the script
// before running it, as they check an archive.
func TestInstallersInDist(t *testing.T) {
	r := load(t)
	for _, f := range []string{"install.sh", "install.ps1"} {
		got, err := os.ReadFile(filepath.Join(r.dist, f))
		if err != nil {
			t.Errorf("dist/ has no %s: %v", f, err)
			continue
		}
		want, _ := os.ReadFile(filepath.Join(r.root, f))
		if !bytes.Equal(got, want) {
			t.Errorf("dist/%s differs from the checkout's", f)
		}
		sum := sha256.Sum256(got)
		if r.checksums[f] != hex.EncodeToString(sum[:]) {
			t.Errorf("checksums.txt says %q for %s, want %s", r.checksums[f], f, hex.EncodeToString(sum[:]))
		}
	}
}

// readmeOneLiners are the README's install.sh command lines: the one in the
// Install table (its \| unescaped) and the one with options after it.
func readmeOneLiners(t *testing.T, root string) (plain, withOptions string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| install.sh ") {
			continue
		}
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
		if len(cells) < 3 {
			break
		}
		plain = strings.Trim(strings.TrimSpace(strings.ReplaceAll(cells[2], "\x00", "|")), "`")
	}
	if plain == "" || !strings.Contains(plain, "releases/latest/download/install.sh") {
		t.Fatalf("the README's Install table has no install.sh line (found %q)", plain)
	}
	_, rest, ok := strings.Cut(string(b), "with a name for the script first: `")
	withOptions, _, _ = strings.Cut(rest, "`")
	if !ok || !strings.Contains(withOptions, "--dir") {
		t.Fatalf("the README does not show the install.sh line with options")
	}
	return plain, withOptions
}

// TestREADMEOneLinerFailsLoudly runs the README's install.sh line with the
// release URL pointed at a loopback server: a script that downloads is run
// (with options, too); one that does not — a 404, a server that is not
// there — gives curl's error and a non-zero exit, never a silent 0.
func TestREADMEOneLinerFailsLoudly(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dash := need(t, "dash")
	need(t, "curl")
	plain, withOptions := readmeOneLiners(t, root)
	const release = "https://github.com/posit-dev/git-credential-ppm/releases/latest/download/install.sh"
	if !strings.Contains(plain, release) {
		t.Fatalf("the one-liner %q does not download %s", plain, release)
	}
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "install.sh"), []byte(`echo "the downloaded script ran with: $*"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, site)
	gone := serve(t, t.TempDir())
	gone.Close()
	oneLiner := func(cmdline, url string) (int, string, string) {
		cmd := exec.Command(dash, "-c", strings.Replace(cmdline, release, url, 1))
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}
	if code, out, errs := oneLiner(plain, srv.URL+"/install.sh"); code != 0 || out != "the downloaded script ran with: \n" {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want the script run", plain, code, out, errs)
	}
	if code, out, errs := oneLiner(strings.Replace(withOptions, "…", "curl -fsSL "+release+" || echo exit 1", 1), srv.URL+"/install.sh"); code != 0 || out != "the downloaded script ran with: --dir "+os.Getenv("HOME")+"/bin\n" {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want the script run with its options", withOptions, code, out, errs)
	}
	for _, url := range []string{srv.URL + "/missing/install.sh", gone.URL + "/install.sh"} {
		code, out, errs := oneLiner(plain, url)
		if code == 0 || out != "" || !strings.Contains(errs, "curl: (") {
			t.Errorf("%s with %s: exit %d, stdout %q, stderr %q; want curl's error and a non-zero exit", plain, url, code, out, errs)
		}
	}
}
