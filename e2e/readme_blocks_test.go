package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
	"github.com/posit-dev/git-credential-ppm/internal/userconfig"
)

// readmeBlocksNotRunHere are the shell blocks of README.md and docs/ that
// TestREADMEShellBlocks does not run, by their start, each with the reason
// and the test that covers it instead. A block missing from those
// documents, or a shell block neither run nor listed, fails the test.
var readmeBlocksNotRunHere = map[string]string{
	"bash .ci/run": "installs system packages as root and runs the whole suite, this test included",
	"python -m venv venv                # a virtual environment for your project":                                                      "installs keyring and twine from PyPI; TestPositKeyringQuickStart runs it word for word with them built from Debian's",
	"curl -fsSLO https://github.com/posit-dev/git-credential-ppm/releases/download/v1.2.3/git-credential-ppm_1.2.3_linux_amd64.tar.gz": "downloads a published release from GitHub; tools/releasetest checks the archives and checksums.txt of a local build",
	"pip install git-credential-ppm        # into the environment where you run pip and twine":                                         "installs from PyPI; wheel_e2e_test.go installs the wheel built from this checkout",
	"git-credential-ppm setup https://ppm.example.com     # once: the backend reads the address it remembers\npip install --index-url": "needs the wheel (from PyPI) beside pip and twine; wheel_e2e_test.go runs pip and twine with the wheel built from this checkout",
	"git-credential-ppm exec -- uv publish --publish-url https://ppm.example.com/upload/pypi/local-python-src dist/*":                  "uv is not installed on the test machines; exec's environment is tested with twine (TestRealTwineThroughExec)",
	"export PPM_CREDENTIAL_STORE=file      # share tokens with pak":                                                                    "needs R and pak, which the test machines do not have; sharing tokens.toml is tested in platform (file store conformance, other tools' entries kept)",
	"python -m pip uninstall -y posit-keyring":                                                                                         "installs the wheel from PyPI (docs/migrating-from-posit-keyring.md); TestPositKeyringQuickStart installs the wheel built from this checkout and lists the backend",
	"git-credential-ppm doctor\n": "on a machine not set up, doctor exits 1 by design (docs/migrating-from-posit-keyring.md's check comes after setup); TestPositKeyringLeftovers (internal/clients) checks each leftover's line",
}

// shellBlock is a ```sh block of README.md or of a document under docs/.
type shellBlock struct {
	doc  string // README.md, docs/ci.md, …
	text string // the block, ending in a newline
}

// docShellBlocks returns the ```sh blocks of README.md and then of every
// Markdown file under docs/, in order: a block that moves from the README
// to a page of docs/ is still run.
func docShellBlocks(t *testing.T) []shellBlock {
	t.Helper()
	docs := []string{"README.md"}
	more, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	deeper, err := filepath.Glob(filepath.Join("docs", "*", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(append(docs, more...), deeper...)
	var blocks []shellBlock
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rest := string(b)
		for {
			_, after, ok := strings.Cut(rest, "\n```sh\n")
			if !ok {
				break
			}
			block, tail, ok := strings.Cut(after, "\n```")
			if !ok {
				t.Fatalf("a ```sh block in %s is not closed", doc)
			}
			blocks = append(blocks, shellBlock{filepath.ToSlash(doc), block + "\n"})
			rest = tail
		}
	}
	return blocks
}

// readmeShellBlocks returns the text of each ```sh block of README.md and
// docs/, in order.
func readmeShellBlocks(t *testing.T) []string {
	t.Helper()
	var texts []string
	for _, b := range docShellBlocks(t) {
		texts = append(texts, b.text)
	}
	return texts
}

// notRunReason returns why block is not run, matching a key of
// readmeBlocksNotRunHere against the block's start.
func notRunReason(block string) (key, reason string) {
	for k, r := range readmeBlocksNotRunHere {
		if strings.HasPrefix(block, k) {
			return k, r
		}
	}
	return "", ""
}

// TestREADMEShellBlocks runs every shell block of the README and docs/ that can run
// here, verbatim, each in a fresh HOME that holds nothing, with bash -e
// (every command must succeed). What a reader is assumed to have done
// before a block is set up as a reader would have it: the binary installed
// on PATH (outside HOME), the address remembered and nothing exported (the
// Configure step, `setup ADDRESS`), a browser in which the person approves the login, a Python
// virtual environment active for the pip blocks (so `pip install` does not
// touch the machine's Python), and a project directory holding dist/ for
// the upload. The only edits to a block: the example address becomes the
// fake Package Manager's (with its __token__@ where the block has one),
// some-repo its git repository (demo) and
// some-package the project its index serves, somepkg the R package of its
// CRAN-like repository (R installs into a library outside HOME).
func TestREADMEShellBlocks(t *testing.T) {
	t.Parallel()
	slow(t)
	bash := testtool.Need(t, "bash")
	blocks := docShellBlocks(t)
	if len(blocks) < 8 {
		t.Fatalf("found %d shell blocks in README.md and docs/; the parser is broken", len(blocks))
	}
	listed := map[string]bool{}
	ran := 0
	for i, b := range blocks {
		block := b.text
		first, _, _ := strings.Cut(block, "\n")
		if key, reason := notRunReason(block); key != "" {
			listed[key] = true
			t.Logf("not run here: %s: %q: %s", b.doc, first, reason)
			continue
		}
		ran++
		// Subtests are numbered: their names become directory names, and
		// a block's first line is full of shell metacharacters.
		t.Run(fmt.Sprintf("block%02d", i+1), func(t *testing.T) {
			t.Parallel()
			t.Logf("%s, block %d: %s", b.doc, i+1, first)
			runReadmeBlock(t, bash, block)
		})
	}
	for key := range readmeBlocksNotRunHere {
		if !listed[key] {
			t.Errorf("readmeBlocksNotRunHere lists %q, which is no longer a block of README.md or docs/; remove it", key)
		}
	}
	if ran < 5 {
		t.Errorf("only %d blocks of README.md and docs/ ran", ran)
	}
}

func runReadmeBlock(t *testing.T, bash, block string) {
	w := newWorld(t, fakeppm.Options{}).withBrowser()
	prefix := filepath.Join(t.TempDir(), "bin") // where an install put the binary
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(helperBin) // a copy, as an install makes
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, filepath.Base(helperBin)), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	path := prefix + string(os.PathListSeparator) + os.Getenv("PATH")
	usesPip := strings.Contains(block, "pip ")
	if usesPip {
		venv := filepath.Join(t.TempDir(), "venv")
		mk := exec.Command(w.python(), "-m", "venv", venv)
		mk.Env = append(os.Environ(), "HOME="+t.TempDir()) // not the reader's fresh HOME
		if out, err := mk.CombinedOutput(); err != nil {
			t.Fatalf("python3 -m venv: %v\n%s", err, out)
		}
		path = prefix + string(os.PathListSeparator) + filepath.Join(venv, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	}
	project := t.TempDir()
	if strings.Contains(block, "dist/") {
		testtool.Need(t, "twine")
		if err := os.MkdirAll(filepath.Join(project, "dist"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(project, "dist", w.ppm.WheelFile()), w.ppm.WheelBytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A fresh HOME with nothing in it; defaults for everything the reader
	// has not set (the store, its file, git's global config).
	env := []string{
		"HOME=" + w.home, "USERPROFILE=" + w.home, "PATH=" + path, "LANG=C",
		"BROWSER=" + os.Getenv("UNUSED_PLACEHOLDER"),
		"PPM_CREDENTIAL_TRACE=" + w.trace,
		"GIT_CONFIG_NOSYSTEM=1",
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1",
	}
	// Go's caches stay where they are (the demo builds with the installed
	// toolchain; a fresh HOME would download every module again).
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOPROXY"} {
		if out, err := exec.Command("go", "env", k).Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			env = append(env, k+"="+strings.TrimSpace(string(out)))
		}
	}
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "BROWSER="); ok {
			env[4] = "BROWSER=" + v
		}
	}
	if strings.Contains(block, "Rscript ") {
		testtool.NeedFrom(t, "Rscript", "r-base-core")
		lib := filepath.Join(t.TempDir(), "Rlib") // R installs there, not into the machine's library
		if err := os.Mkdir(lib, 0o700); err != nil {
			t.Fatal(err)
		}
		env = append(env, "R_LIBS_USER="+lib)
	}
	entries, err := os.ReadDir(w.home)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(w.trace) && e.Name() != "browser.sh" {
			t.Fatalf("HOME is not fresh: it holds %s", e.Name())
		}
	}
	// The Configure step: the address remembered, as `setup ADDRESS` does.
	cfgPath, err := userconfig.Path(envLookup(env))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := userconfig.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Add([]string{w.ppm.URL()}, func(a, b string) bool { return a == b }) // one address, spelled once
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	script := strings.NewReplacer(
		"https://__token__@ppm.example.com", strings.Replace(w.ppm.URL(), "://", "://__token__@", 1),
		"https://ppm.example.com", w.ppm.URL(),
		"some-repo", "demo",
		"some-package", w.ppm.WheelName(),
		"somepkg", w.ppm.CRANAuthPackage(),
	).Replace(block)
	cmd := exec.Command(bash, "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = project
	if strings.HasPrefix(block, "bash scripts/") {
		cmd.Dir = "." // the demo runs from the checkout, as the README says
	}
	w.env = env
	if strings.HasPrefix(block, "bash scripts/demo.sh") {
		w.limit = 5 * time.Minute // it builds three programs, then a venv for pip and twine
	}
	r := w.runCmd(cmd, "")
	if r.code != 0 {
		t.Fatalf("the documented block failed (exit %d):\n%s\nstdout:\n%s\nstderr:\n%s", r.code, script, r.stdout, r.stderr)
	}
	switch {
	case strings.Contains(block, "git clone"):
		if !fileExists(filepath.Join(project, "demo", ".git")) {
			t.Errorf("git clone made no repository")
		}
	case strings.Contains(block, "pip install"):
		if c := w.ppm.Counts(); c.Repo == c.Unauthorized {
			t.Errorf("pip made no authenticated request: %+v", c)
		}
	case strings.Contains(block, "twine upload"):
		if up := w.ppm.Uploads(); len(up) != 1 {
			t.Errorf("uploads: %v", up)
		}
	case strings.Contains(block, "install.packages"):
		if c := w.ppm.Counts(); c.Repo == 0 || c.Unauthorized != 0 || !strings.Contains(r.stderr, "DONE ("+w.ppm.CRANAuthPackage()+")") {
			t.Errorf("R did not install with the token: %+v\n%s", c, r.stderr)
		}
	case strings.HasPrefix(block, "bash scripts/demo.sh"):
		if !strings.Contains(r.stdout, "[browser] opened") || !strings.Contains(r.stdout, "refs/heads/main") {
			t.Errorf("the demo does not show the browser's line or the ls-remote:\n%s", r.stdout)
		}
		// pip and twine, through the wheel's backend, against the fake.
		needDebianPython(t)
		for _, want := range []string{"git_credential_ppm.Keyring (priority: 9.9)", "GET /pypi-auth/latest/files/ppm_demo-1.0.0-py3-none-any.whl → 200", "POST /upload/pypi/local-python-src → 200"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("the demo's pip and twine part does not show %q:\n%s", want, r.stdout)
			}
		}
	}
	if fileExists(w.trace) && !strings.HasPrefix(block, "bash scripts/demo.sh") { // the demo runs its own fake
		w.assertNoSecretsLeaked()
	}
}
