//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// R end to end: real R (Debian's r-base-core) and remotes (r-cran-remotes)
// after a real `setup`, against the fake's CRAN-like repositories.

// needRPackage ends the test when R lacks pkg: Fatal under CI=true (.ci/run
// installs it), a loud skip elsewhere.
func needRPackage(t *testing.T, rscript, pkg, debianPackage string) {
	t.Helper()
	out, err := exec.Command(rscript, "--vanilla", "-e", `cat(requireNamespace("`+pkg+`", quietly = TRUE))`).Output()
	if err == nil && string(out) == "TRUE" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the R package %s is not installed; .ci/run must install %s", pkg, debianPackage)
	}
	t.Skipf("SKIPPING: the R package %s (Debian's %s) is not installed on this machine (CI installs it)", pkg, debianPackage)
}

// rWorld is a world whose user has R and has run `setup`; the profile
// held lines of the person's own before.
type rWorld struct {
	*world
	rscript string
	profile string
	own     string
}

const ownRProfile = "# my own profile\r\noptions(width = 100)\n.First <- function() invisible(NULL)" // CRLF, no final newline

func newRWorld(t *testing.T, opts fakeppm.Options) *rWorld {
	slow(t)
	t.Helper()
	rscript := testtool.NeedFrom(t, "Rscript", "r-base-core")
	testtool.Need(t, "curl")
	w := newWorld(t, opts).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	w.set("R_LIBS_USER", filepath.Join(w.home, "R", "library"))
	os.MkdirAll(filepath.Join(w.home, "R", "library"), 0o700)
	rw := &rWorld{world: w, rscript: rscript, profile: filepath.Join(w.home, ".Rprofile"), own: ownRProfile}
	if err := os.WriteFile(rw.profile, []byte(rw.own), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.run("", "setup")
	if r.code != 0 || !strings.Contains(r.stdout, "R: "+rw.profile+": add the git-credential-ppm block") {
		t.Fatalf("setup: %d %q %q", r.code, r.stdout, r.stderr)
	}
	return rw
}

// R runs a fresh Rscript with the user's profile only (no site profile of
// this machine's), in the world's environment, for at most five minutes
// (a script may wait out tokens); its stderr joins the leak check's.
func (rw *rWorld) R(script string) result {
	rw.t.Helper()
	file := filepath.Join(rw.home, "script.R")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		rw.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, rw.rscript, "--no-site-file", file)
	c.Env, c.Dir = rw.env, rw.home
	withoutTerminal(c)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if ctx.Err() != nil {
		rw.t.Fatalf("Rscript did not finish within 5 minutes (stderr: %s)", errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		rw.t.Fatalf("running Rscript: %v", err)
	}
	rw.mu.Lock()
	rw.stderrs = append(rw.stderrs, errb.String())
	rw.mu.Unlock()
	return result{out.String(), errb.String(), code}
}

// tokenIn reports which of the fake's secrets s contains.
func tokenIn(srv *fakeppm.Server, s string) bool {
	for _, sec := range srv.Secrets() {
		if sec != "" && strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// scanArgv reads every process's argv (/proc/*/cmdline): whether any
// holds one of the fake's secrets, and whether one is a curl reading the
// netrc file (the download under way).
func scanArgv(srv *fakeppm.Server) (leak, curlSeen bool) {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		argv := strings.ReplaceAll(string(b), "\x00", " ")
		if tokenIn(srv, argv) {
			leak = true
		}
		if strings.HasPrefix(argv, "curl ") && strings.Contains(argv, "--netrc-file") {
			curlSeen = true
		}
	}
	return leak, curlSeen
}

// TestRInstallsAfterSetup: after setup, a fresh Rscript installs from the
// authenticated repository with install.packages and remotes::install_url;
// every request to it carries the token, none to the public repository on
// another host, the token is in no output, no option and no argv (looked
// at while the tarball download is held); setup --remove gives back the
// person's profile byte for byte.
func TestRInstallsAfterSetup(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var scans []string
	var srv *fakeppm.Server
	hold := func(repo, name string) {
		mu.Lock()
		s := srv
		mu.Unlock()
		leak, curl := scanArgv(s)
		mu.Lock()
		scans = append(scans, name)
		if leak {
			scans = append(scans, "LEAK")
		}
		if curl {
			scans = append(scans, "curl")
		}
		mu.Unlock()
	}
	rw := newRWorld(t, fakeppm.Options{OnCRANFile: hold})
	mu.Lock()
	srv = rw.ppm
	mu.Unlock()
	public := secondServer(t)
	needRPackage(t, rw.rscript, "remotes", "r-cran-remotes")

	lib := filepath.Join(rw.home, "lib")
	r := rw.R(`
lib <- "` + lib + `"
dir.create(lib)
.libPaths(c(lib, .libPaths()))
repos <- c(PPM = "` + rw.ppm.CRANAuthURL() + `", PUBLIC = "` + public.CRANPublicURL() + `")
options(repos = repos)
install.packages(c("ppmdemo", "ppmpublic"), lib = lib)
cat("hello:", ppmdemo::hello(), ppmpublic::hello(), "\n")
remove.packages("ppmdemo", lib = lib)
remotes::install_url("` + rw.ppm.CRANTarballURL() + `", build = FALSE, upgrade = "never", dependencies = FALSE, quiet = TRUE)
cat("again:", ppmdemo::hello(), "\n")
cat("repos unchanged:", identical(getOption("repos"), repos), "\n")
cat("repos:", getOption("repos"), "\n")
cat("cache:", list.files(tempdir()), "\n")
`)
	if r.code != 0 || !strings.Contains(r.stdout, "hello: Served by the fake Package Manager. Served by a public repository.") ||
		!strings.Contains(r.stdout, "again: Served by the fake Package Manager.") || !strings.Contains(r.stdout, "repos unchanged: TRUE") {
		t.Fatalf("Rscript: %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if tokenIn(rw.ppm, r.stdout+r.stderr) {
		t.Errorf("a token reached R's output")
	}
	c := rw.ppm.Counts()
	if c.Repo < 3 || c.Unauthorized != 0 {
		t.Errorf("the authenticated repository saw %d requests, %d without a valid token; want every one authenticated", c.Repo, c.Unauthorized)
	}
	if pc := public.Counts(); pc.Public < 2 || pc.PublicWithAuthorization != 0 {
		t.Errorf("the public repository on another host saw %d requests, %d with credentials; want none with", pc.Public, pc.PublicWithAuthorization)
	}
	mu.Lock()
	got := strings.Join(scans, ",")
	mu.Unlock()
	if got != "ppmdemo_1.0.0.tar.gz,curl,ppmdemo_1.0.0.tar.gz,curl" {
		t.Errorf("argv scans while the tarball was held: %q; want two downloads seen as curl, no LEAK", got)
	}
	rw.assertNoSecretsLeaked()

	removed := rw.run("", "setup", "--remove")
	if removed.code != 0 {
		t.Fatalf("setup --remove: %q %q", removed.stdout, removed.stderr)
	}
	if b, _ := os.ReadFile(rw.profile); string(b) != rw.own {
		t.Errorf("the profile after setup --remove:\n%q\nwant the person's own:\n%q", b, rw.own)
	}
}

// TestRRenewsBeforeTheNextCall: with 20-second tokens, a download after
// the token expired within the same top-level call still authenticates (the
// shell that runs curl has the binary write the file anew), a session that
// outlives its token gets a new one before its next top-level call (the
// task callback), and renv's headers function hands out the new one.
func TestRRenewsBeforeTheNextCall(t *testing.T) {
	t.Parallel()
	rw := newRWorld(t, fakeppm.Options{TokenLifetime: 20 * time.Second})
	lib := filepath.Join(rw.home, "lib")
	headerFile := filepath.Join(rw.home, "header")
	url := rw.ppm.CRANAuthURL() + "/src/contrib/PACKAGES"
	r := rw.R(`
lib <- "` + lib + `"
dir.create(lib)
options(repos = c(PPM = "` + rw.ppm.CRANAuthURL() + `"))
install.packages("ppmdemo", lib = lib, quiet = TRUE)
remove.packages("ppmdemo", lib = lib)
{ Sys.sleep(21); install.packages("ppmdemo", lib = lib, quiet = TRUE) }
cat("installed after idling:", "ppmdemo" %in% rownames(installed.packages(lib)), "\n")
first <- readLines(getOption("netrc"))
Sys.sleep(21)
second <- readLines(getOption("netrc"))
cat("renewed before the next call:", !identical(first, second), "\n")
h <- getOption("renv.download.headers")("` + url + `")
writeLines(h[["Authorization"]], "` + headerFile + `")
cat("other hosts get nothing:", length(getOption("renv.download.headers")("https://cloud.r-project.org/src/contrib/PACKAGES")), "\n")
`)
	if r.code != 0 || !strings.Contains(r.stdout, "renewed before the next call: TRUE") ||
		!strings.Contains(r.stdout, "other hosts get nothing: 0") || !strings.Contains(r.stdout, "installed after idling: TRUE") {
		t.Fatalf("Rscript: %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if c := rw.ppm.Counts(); c.Unauthorized != 0 || c.Exchange < 3 {
		t.Errorf("%d exchanges, %d requests without a valid token; want a renewal and none refused", c.Exchange, c.Unauthorized)
	}
	h, _ := os.ReadFile(headerFile)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(string(h)), "Basic "))
	user, tok, _ := strings.Cut(string(raw), ":")
	if err != nil || !strings.HasPrefix(string(h), "Basic ") || user != "__token__" || !rw.ppm.ValidToken(tok) {
		t.Errorf("renv.download.headers after the renewal: %q (%v); want Basic __token__ with a valid token", h, err)
	}
	if tokenIn(rw.ppm, r.stdout+r.stderr) {
		t.Errorf("a token reached R's output")
	}
}

// TestRTwoAddresses: two configured addresses on two hosts give R two
// machine lines, and each repository gets its own server's token.
func TestRTwoAddresses(t *testing.T) {
	t.Parallel()
	rw := newRWorld(t, fakeppm.Options{})
	other := secondServer(t)
	rw.storeTokens(map[string]string{rw.ppm.URL(): rw.ppm.IssuePPMToken("alice"), other.URL(): other.IssuePPMToken("alice")}, rw.ppm.URL(), other.URL())
	r := rw.R(`
options(repos = c(A = "` + rw.ppm.CRANAuthURL() + `", B = "` + other.CRANAuthURL() + `"))
cat("machine lines:", length(readLines(getOption("netrc"))), "\n")
cat("packages:", nrow(available.packages(filters = list())), "\n")
`)
	if r.code != 0 || !strings.Contains(r.stdout, "machine lines: 2") || !strings.Contains(r.stdout, "packages: 2") {
		t.Fatalf("Rscript: %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, s := range []*fakeppm.Server{rw.ppm, other} {
		if c := s.Counts(); c.Repo == 0 || c.Unauthorized != 0 {
			t.Errorf("%s: %d requests, %d refused; want each index fetched with its own token", s.URL(), c.Repo, c.Unauthorized)
		}
	}
	if tokenIn(rw.ppm, r.stdout+r.stderr) || tokenIn(other, r.stdout+r.stderr) {
		t.Errorf("a token reached R's output")
	}
}

// TestRUnderExec: without setup, R run by exec finds NETRC and
// R_DEFAULT_NETRC, and R before 4.6 installs with docs/r.md's one line
// pointing the curl method at it; the file is gone afterwards.
func TestRUnderExec(t *testing.T) {
	t.Parallel()
	slow(t)
	rscript := testtool.NeedFrom(t, "Rscript", "r-base-core")
	testtool.Need(t, "curl")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	lib := filepath.Join(w.home, "lib")
	os.Mkdir(lib, 0o700)
	r := w.run("", "exec", "--", rscript, "--vanilla", "-e", `
f <- Sys.getenv("NETRC")
cat("same file:", nzchar(f) && identical(f, Sys.getenv("R_DEFAULT_NETRC")), "\n")
options(download.file.method = "curl", download.file.extra = paste("--fail --netrc-file", shQuote(Sys.getenv("NETRC"))))
options(repos = c(PPM = "`+w.ppm.CRANAuthURL()+`"))
install.packages("ppmdemo", lib = "`+lib+`", quiet = TRUE)
cat("installed:", "ppmdemo" %in% rownames(installed.packages("`+lib+`")), "\n")
cat("netrc:", f, "\n")`)
	if r.code != 0 || !strings.Contains(r.stdout, "same file: TRUE") || !strings.Contains(r.stdout, "installed: TRUE") {
		t.Fatalf("exec Rscript: %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	_, file, _ := strings.Cut(r.stdout, "netrc: ")
	if file = strings.TrimSpace(file); file == "" || fileExists(file) {
		t.Errorf("the netrc file %q is still there after exec", file)
	}
	if c := w.ppm.Counts(); c.Unauthorized != 0 {
		t.Errorf("%d requests refused", c.Unauthorized)
	}
	if tokenIn(w.ppm, r.stdout+r.stderr) {
		t.Errorf("a token reached R's output")
	}
}

// TestRWithTheRememberedAddress: `setup ADDRESS` remembers the server, and
// R started with no PACKAGEMANAGER_ADDRESS anywhere (not in its
// environment, no ~/.Renviron: RStudio started from the desktop) gets the
// token, because the block asks the binary for the addresses.
func TestRWithTheRememberedAddress(t *testing.T) {
	t.Parallel()
	rscript := testtool.NeedFrom(t, "Rscript", "r-base-core")
	testtool.Need(t, "curl")
	w := newWorld(t, fakeppm.Options{}).withIdentity()
	w.set("XDG_CONFIG_HOME", filepath.Join(w.home, ".config"))
	var env []string
	for _, kv := range w.env {
		if !strings.HasPrefix(kv, "PACKAGEMANAGER_ADDRESS=") {
			env = append(env, kv)
		}
	}
	w.env = env
	if r := w.run("", "setup", w.ppm.URL()); r.code != 0 || !strings.Contains(r.stdout, "R: ") {
		t.Fatalf("setup ADDRESS: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if fileExists(filepath.Join(w.home, ".Renviron")) {
		t.Errorf("setup wrote ~/.Renviron")
	}
	rw := &rWorld{world: w, rscript: rscript}
	lib := filepath.Join(w.home, "lib")
	r := rw.R(`
cat("address in R's environment:", nzchar(Sys.getenv("PACKAGEMANAGER_ADDRESS")), "\n")
dir.create("` + lib + `")
options(repos = c(PPM = "` + w.ppm.CRANAuthURL() + `"))
install.packages("ppmdemo", lib = "` + lib + `", quiet = TRUE)
cat("installed:", "ppmdemo" %in% rownames(installed.packages("` + lib + `")), "\n")
`)
	if r.code != 0 || !strings.Contains(r.stdout, "address in R's environment: FALSE") || !strings.Contains(r.stdout, "installed: TRUE") {
		t.Fatalf("Rscript: %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if c := w.ppm.Counts(); c.Unauthorized != 0 {
		t.Errorf("%d requests refused", c.Unauthorized)
	}
}
