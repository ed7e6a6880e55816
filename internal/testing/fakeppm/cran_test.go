package fakeppm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCRANRepositories: the authenticated repository answers 401 without
// the token and serves the index and the tarball with it; the public one
// needs nothing and counts credentials sent to it anyway; the hook runs
// before a tarball, not before an index.
func TestCRANRepositories(t *testing.T) {
	var mu sync.Mutex
	var hooked []string
	s := start(t, Options{OnCRANFile: func(repo, name string) {
		mu.Lock()
		hooked = append(hooked, repo+" "+name)
		mu.Unlock()
	}})
	tok := ppmToken(t, s, "alice")
	contrib := s.CRANAuthURL() + "/src/contrib/"

	for _, f := range []string{"PACKAGES", "PACKAGES.gz", "PACKAGES.rds", "ppmdemo_1.0.0.tar.gz"} {
		if resp, _ := get(t, contrib+f, "", ""); resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s without the token: %d %q; want 401 with a Basic challenge", f, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	resp, index := get(t, contrib+"PACKAGES", "__token__", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("PACKAGES with the token: %d", resp.StatusCode)
	}
	resp, tarball := get(t, s.CRANTarballURL(), "__token__", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("tarball with the token: %d", resp.StatusCode)
	}
	sum := md5.Sum(tarball)
	want := "Package: ppmdemo\nVersion: 1.0.0\nLicense: MIT\nMD5sum: " + hex.EncodeToString(sum[:]) + "\nNeedsCompilation: no\n"
	if string(index) != want {
		t.Errorf("PACKAGES = %q; want %q", index, want)
	}
	if _, gz := get(t, contrib+"PACKAGES.gz", "__token__", tok); string(gunzip(t, gz)) != want {
		t.Errorf("PACKAGES.gz differs from PACKAGES")
	}
	names := map[string]bool{}
	tr := tar.NewReader(bytes.NewReader(gunzip(t, tarball)))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	for _, n := range []string{"ppmdemo/DESCRIPTION", "ppmdemo/NAMESPACE", "ppmdemo/R/hello.R"} {
		if !names[n] {
			t.Errorf("the tarball lacks %s (has %v)", n, names)
		}
	}
	if resp, _ := get(t, contrib+"nothing.tar.gz", "__token__", tok); resp.StatusCode != 404 {
		t.Errorf("a missing file: %d; want 404", resp.StatusCode)
	}

	pub := s.CRANPublicURL() + "/src/contrib/"
	if resp, body := get(t, pub+"PACKAGES", "", ""); resp.StatusCode != 200 || !strings.HasPrefix(string(body), "Package: ppmpublic\n") {
		t.Errorf("public PACKAGES: %d %q", resp.StatusCode, body)
	}
	if c := s.Counts(); c.Public != 1 || c.PublicWithAuthorization != 0 {
		t.Errorf("after one request without credentials: %+v", c)
	}
	get(t, pub+"ppmpublic_1.0.0.tar.gz", "__token__", tok)
	if c := s.Counts(); c.Public != 2 || c.PublicWithAuthorization != 1 {
		t.Errorf("after a request with credentials: Public %d, PublicWithAuthorization %d; want 2, 1", c.Public, c.PublicWithAuthorization)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(hooked, ",") != CRANAuthPath+" ppmdemo_1.0.0.tar.gz,"+CRANPublicPath+" ppmpublic_1.0.0.tar.gz" {
		t.Errorf("OnCRANFile calls: %q", hooked)
	}
}

// TestRReadsTheCRANRepository: real R reads PACKAGES.rds as the same
// matrix as PACKAGES, and R CMD INSTALL installs the tarball.
func TestRReadsTheCRANRepository(t *testing.T) {
	t.Parallel()
	rscript := testtool.NeedFrom(t, "Rscript", "r-base-core")
	r := testtool.NeedFrom(t, "R", "r-base-core")
	dir := t.TempDir()
	repo := newCRANRepo(buildRPackage("ppmdemo", `Served by "the fake".`), buildRPackage("ppmpublic", "x"))
	for name, data := range repo.files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "R_PROFILE_USER=/dev/null", "R_ENVIRON_USER=/dev/null", "LANG=C")
	out, err := runTool(t, env, dir, rscript, "-e", `
rds <- readRDS("PACKAGES.rds")
dcf <- read.dcf("PACKAGES")
stopifnot(identical(rds, dcf))
gz <- read.dcf(gzfile("PACKAGES.gz"))
stopifnot(identical(gz, dcf))
cat("rows", nrow(rds), "\n")`)
	if err != nil || !strings.Contains(out, "rows 2") {
		t.Fatalf("R reading the index: %v\n%s", err, out)
	}
	lib := filepath.Join(dir, "lib")
	os.Mkdir(lib, 0o700)
	if out, err := runTool(t, env, dir, r, "CMD", "INSTALL", "--library="+lib, "ppmdemo_1.0.0.tar.gz"); err != nil {
		t.Fatalf("R CMD INSTALL: %v\n%s", err, out)
	}
	out, err = runTool(t, env, dir, rscript, "-e", `cat(ppmdemo::hello())`)
	if err == nil {
		t.Fatalf("ppmdemo loaded without its library on the path: %s", out)
	}
	out, err = runTool(t, append(env, "R_LIBS="+lib), dir, rscript, "-e", `cat(ppmdemo::hello())`)
	if err != nil || out != `Served by "the fake".` {
		t.Fatalf("hello(): %v %q", err, out)
	}
}
