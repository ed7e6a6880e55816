package fakeppm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CRAN-like repositories, as R's install.packages, remotes and renv read
// them: <repo>/src/contrib/ holds the index (PACKAGES, PACKAGES.gz and
// PACKAGES.rds, tried in the reverse order) and the source tarballs
// <name>_<version>.tar.gz. Package Manager serves an authenticated
// repository behind the same token check as its PyPI, and public ones
// without; the fake serves one of each, with a package of its own in each.
const (
	// CRANAuthPath is the authenticated repository (Basic __token__).
	CRANAuthPath = "/cran-auth/latest"
	// CRANPublicPath is a public repository: no credentials needed, and a
	// request that carries some is counted (Counts.PublicWithAuthorization).
	CRANPublicPath = "/cran/latest"
)

// rPackage is a source package built in memory: R CMD INSTALL installs it
// (R code only, nothing to compile).
type rPackage struct {
	name, version string
	tarball       []byte
	md5           string
}

// file is the tarball's name in src/contrib.
func (p rPackage) file() string { return p.name + "_" + p.version + ".tar.gz" }

// buildRPackage writes the source tarball of package name: DESCRIPTION,
// NAMESPACE and one function, hello(), that returns what says.
func buildRPackage(name, says string) rPackage {
	const version = "1.0.0"
	files := []struct{ name, body string }{
		{"DESCRIPTION", "Package: " + name + "\nVersion: " + version + "\nTitle: A Demo Package Served by the Fake Package Manager\n" +
			"Description: Served by the fake Package Manager, for the tests of git-credential-ppm.\n" +
			"Author: fakeppm\nMaintainer: fakeppm <fakeppm@example.invalid>\nLicense: MIT\nEncoding: UTF-8\nNeedsCompilation: no\n"},
		{"NAMESPACE", "export(hello)\n"},
		{"R/hello.R", "hello <- function() " + rString(says) + "\n"},
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	stamp := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	dirs := map[string]bool{}
	for _, f := range files {
		path := name + "/" + f.name
		for i := range len(path) {
			if path[i] == '/' && !dirs[path[:i+1]] {
				dirs[path[:i+1]] = true
				must(tw.WriteHeader(&tar.Header{Name: path[:i+1], Typeflag: tar.TypeDir, Mode: 0o755, ModTime: stamp, Format: tar.FormatUSTAR}))
			}
		}
		must(tw.WriteHeader(&tar.Header{Name: path, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.body)), ModTime: stamp, Format: tar.FormatUSTAR}))
		_, err := tw.Write([]byte(f.body))
		must(err)
	}
	must(tw.Close())
	must(zw.Close())
	sum := md5.Sum(buf.Bytes())
	return rPackage{name: name, version: version, tarball: buf.Bytes(), md5: hex.EncodeToString(sum[:])}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// rString quotes s as an R string literal.
func rString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// packagesFields are the index fields, in the order of the PACKAGES file.
var packagesFields = []string{"Package", "Version", "License", "MD5sum", "NeedsCompilation"}

func (p rPackage) fieldValues() []string {
	return []string{p.name, p.version, "MIT", p.md5, "no"}
}

// packagesIndex is the PACKAGES file (Debian control format, as
// tools::write_PACKAGES writes it).
func packagesIndex(pkgs []rPackage) []byte {
	var b bytes.Buffer
	for i, p := range pkgs {
		if i > 0 {
			b.WriteByte('\n')
		}
		for j, v := range p.fieldValues() {
			fmt.Fprintf(&b, "%s: %s\n", packagesFields[j], v)
		}
	}
	return b.Bytes()
}

func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	must(zw.Close())
	return b.Bytes()
}

// cranRepo is one repository's files.
type cranRepo struct {
	pkgs  []rPackage
	files map[string][]byte // by name in src/contrib
}

func newCRANRepo(pkgs ...rPackage) *cranRepo {
	index := packagesIndex(pkgs)
	r := &cranRepo{pkgs: pkgs, files: map[string][]byte{
		"PACKAGES":     index,
		"PACKAGES.gz":  gzipped(index),
		"PACKAGES.rds": gzipped(rdsCharacterMatrix(packagesFields, pkgs)),
	}}
	for _, p := range pkgs {
		r.files[p.file()] = p.tarball
	}
	return r
}

// handleCRAN serves a CRAN-like repository at prefix. Before a package
// tarball it calls Options.OnCRANFile, so that a test can look at the
// client while its download is in flight.
func (s *Server) handleCRAN(prefix string, repo *cranRepo) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, prefix+"/src/contrib/")
		data, found := repo.files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(name, ".tar.gz") {
			if hook := s.opts.OnCRANFile; hook != nil {
				hook(prefix, name)
			}
			w.Header().Set("Content-Type", "application/x-gzip")
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		if r.Method == http.MethodGet {
			w.Write(data)
		}
	}
}

// public serves a repository that needs no credentials, counting the
// requests and those that carried an Authorization header anyway (a client
// that sends the token to every repository).
func (s *Server) public(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(func(c *Counts) {
			c.Public++
			if r.Header.Get("Authorization") != "" {
				c.PublicWithAuthorization++
			}
		})
		next(w, r)
	}
}

// CRANAuthURL is the authenticated CRAN-like repository, the value for
// R's repos option (no trailing slash).
func (s *Server) CRANAuthURL() string { return s.URL() + CRANAuthPath }

// CRANPublicURL is the public CRAN-like repository.
func (s *Server) CRANPublicURL() string { return s.URL() + CRANPublicPath }

// CRANAuthPackage is the package the authenticated repository serves
// ("ppmdemo"); its hello() returns "Served by the fake Package Manager.".
func (s *Server) CRANAuthPackage() string { return s.cranAuth.pkgs[0].name }

// CRANPublicPackage is the package the public repository serves
// ("ppmpublic").
func (s *Server) CRANPublicPackage() string { return s.cranPublic.pkgs[0].name }

// CRANTarballURL is the URL of the authenticated repository's tarball, for
// remotes::install_url.
func (s *Server) CRANTarballURL() string {
	return s.CRANAuthURL() + "/src/contrib/" + s.cranAuth.pkgs[0].file()
}

// rdsCharacterMatrix serialises the index as R's saveRDS would a character
// matrix from read.dcf: R's serialisation format 2 (XDR), a STRSXP with
// dim and dimnames = list(NULL, fields). The caller gzips it.
func rdsCharacterMatrix(fields []string, pkgs []rPackage) []byte {
	const (
		symsxp    = 1
		listsxp   = 2
		charsxp   = 9
		intsxp    = 13
		strsxp    = 16
		vecsxp    = 19
		nilvalue  = 254
		hasAttr   = 1 << 9
		hasTag    = 1 << 10
		asciiMask = 1 << 6 << 12 // the CHARSXP's "ASCII" general-purpose bit
	)
	var b bytes.Buffer
	word := func(v int32) { binary.Write(&b, binary.BigEndian, v) }
	str := func(s string) { word(charsxp | asciiMask); word(int32(len(s))); b.WriteString(s) }
	b.WriteString("X\n")
	word(2)          // format version
	word(0x00040000) // written by R 4.0.0
	word(0x00020300) // readable from R 2.3.0
	rows := make([][]string, len(pkgs))
	for i, p := range pkgs {
		rows[i] = p.fieldValues()
	}
	word(strsxp | hasAttr)
	word(int32(len(pkgs) * len(fields)))
	for j := range fields { // column-major, as R stores matrices
		for i := range rows {
			str(rows[i][j])
		}
	}
	word(listsxp | hasTag) // attributes: dim, then dimnames
	word(symsxp)
	str("dim")
	word(intsxp)
	word(2)
	word(int32(len(pkgs)))
	word(int32(len(fields)))
	word(listsxp | hasTag)
	word(symsxp)
	str("dimnames")
	word(vecsxp)
	word(2)
	word(nilvalue) // no row names
	word(strsxp)
	word(int32(len(fields)))
	for _, f := range fields {
		str(f)
	}
	word(nilvalue) // end of the attribute list
	return b.Bytes()
}
