package fakeppm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// maxUpload bounds an upload; the fake only needs small wheels.
const maxUpload = 64 << 20

// authed guards a repository handler with HTTP Basic __token__:<PPM token>
// and answers 401 with a Basic challenge otherwise, as PPM does.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(func(c *Counts) { c.Repo++ })
		why := "no credentials"
		if user, tok, ok := r.BasicAuth(); ok {
			if user != "__token__" {
				why = "user is not __token__"
			} else if c, err := s.checkPPMToken(tok); err != nil {
				why = "token refused: " + err.Error()
			} else {
				s.recordLeft(c)
				next(w, r)
				return
			}
		}
		s.count(func(c *Counts) { c.Unauthorized++ })
		note(w, "("+why+")")
		w.Header().Set("WWW-Authenticate", `Basic realm="Posit Package Manager"`)
		http.Error(w, "401 Unauthorized: a Package Manager token is required (user __token__)", http.StatusUnauthorized)
	}
}

// handleForbidden answers a valid token as PPM does for a repository its
// identity may not read.
func (s *Server) handleForbidden(w http.ResponseWriter, r *http.Request) {
	note(w, "(no access to this repository)")
	http.Error(w, "403 Forbidden: this token has no access to the repository", http.StatusForbidden)
}

// normalize is PEP 503's project name normalisation.
func normalize(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			if !sep {
				b.WriteByte('-')
			}
			sep = true
			continue
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// handleIndex serves the PEP 503 simple index: the root lists the one
// project; /simple/<name>/ links the wheel with its sha256.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	repo, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	base := "/" + repo + "/latest/simple/"
	rest := strings.TrimPrefix(r.URL.Path, base)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if rest == "" {
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Simple index</title></head><body>\n<a href=\"%s/\">%s</a>\n</body></html>\n", s.wheel.project, s.wheel.project)
		return
	}
	name := strings.TrimSuffix(rest, "/")
	if strings.Contains(name, "/") || normalize(name) != s.wheel.project {
		http.NotFound(w, r)
		return
	}
	if !strings.HasSuffix(rest, "/") || name != s.wheel.project {
		// PEP 503: redirect to the normalised URL, with its trailing slash.
		http.Redirect(w, r, base+s.wheel.project+"/", http.StatusMovedPermanently)
		return
	}
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n<h1>Links for %s</h1>\n<a href=\"../../files/%s#sha256=%s\">%s</a>\n</body></html>\n",
		s.wheel.project, s.wheel.project, s.wheel.filename, s.wheel.sha256, html.EscapeString(s.wheel.filename))
}

// handleFile serves the wheel.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	repo, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if strings.TrimPrefix(r.URL.Path, "/"+repo+"/latest/files/") != s.wheel.filename {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(s.wheel.data)))
	if r.Method == http.MethodGet {
		w.Write(s.wheel.data)
	}
}

// handleUpload takes the multipart form twine sends (":action" file_upload,
// name, version, the "content" file part and its digests) and records the
// file name.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "405 uploads are POST requests", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		note(w, "(not a multipart form)")
		http.Error(w, "400 the upload is not a multipart/form-data form", http.StatusBadRequest)
		return
	}
	if a := r.FormValue(":action"); a != "file_upload" {
		note(w, "(bad :action)")
		http.Error(w, "400 :action must be file_upload", http.StatusBadRequest)
		return
	}
	if r.FormValue("name") == "" || r.FormValue("version") == "" {
		note(w, "(no name or version)")
		http.Error(w, "400 the name and version fields are required", http.StatusBadRequest)
		return
	}
	f, hdr, err := r.FormFile("content")
	if err != nil {
		note(w, "(no content part)")
		http.Error(w, "400 the content file part is missing", http.StatusBadRequest)
		return
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil || n == 0 {
		note(w, "(empty file)")
		http.Error(w, "400 the uploaded file is empty", http.StatusBadRequest)
		return
	}
	if want := r.FormValue("sha256_digest"); want != "" && !strings.EqualFold(want, hex.EncodeToString(h.Sum(nil))) {
		note(w, "(sha256 mismatch)")
		http.Error(w, "400 the file does not match its sha256_digest", http.StatusBadRequest)
		return
	}
	name := filepath.Base(hdr.Filename)
	s.mu.Lock()
	s.counts.Upload++
	s.uploads = append(s.uploads, name)
	s.mu.Unlock()
	note(w, "(received "+name+")")
	fmt.Fprintln(w, "OK")
}

// initGit creates a bare repository with one commit for git http-backend.
func (s *Server) initGit() error {
	git, err := exec.LookPath("git")
	if err != nil {
		return errors.New("git is not installed, so the fake serves no git repository; install git")
	}
	root := filepath.Join(s.tmp, "git")
	work := filepath.Join(s.tmp, "work")
	env := append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+s.tmp,
		"GIT_AUTHOR_NAME=fakeppm", "GIT_AUTHOR_EMAIL=fakeppm@example.invalid",
		"GIT_COMMITTER_NAME=fakeppm", "GIT_COMMITTER_EMAIL=fakeppm@example.invalid",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return fmt.Errorf("creating the git work tree: %w", err)
	}
	if err := os.WriteFile(filepath.Join(work, "README.md"), []byte("# demo\nServed by the fake Package Manager.\n"), 0o600); err != nil {
		return fmt.Errorf("writing the git work tree: %w", err)
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "README.md"},
		{"commit", "-q", "-m", "demo"},
		{"clone", "-q", "--bare", work, filepath.Join(root, "demo.git")},
	} {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = work, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("creating the git repository: git %s: %w: %s", strings.Join(args, " "), err, out)
		}
	}
	s.git, s.gitRoot = git, root
	return nil
}

// handleGit runs git http-backend as a CGI program for /git/….
func (s *Server) handleGit(w http.ResponseWriter, r *http.Request) {
	if s.gitErr != nil {
		note(w, "(no git)")
		http.Error(w, "503 "+s.gitErr.Error(), http.StatusServiceUnavailable)
		return
	}
	h := &cgi.Handler{
		Path: s.git,
		Args: []string{"http-backend"},
		Root: "/git",
		Dir:  s.gitRoot,
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.gitRoot,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"HOME=" + s.tmp,
			// An authenticated user: http-backend then also allows pushes.
			"REMOTE_USER=__token__",
		},
	}
	// The token has been checked; it does not go into the CGI environment.
	r = r.Clone(r.Context())
	r.Header.Del("Authorization")
	h.ServeHTTP(w, r)
}

// recordLeft notes how long the token of an accepted repository request
// had left (RepoTokensLeft).
func (s *Server) recordLeft(c claims) {
	left := time.Duration(-1)
	if c.Exp != nil {
		left = time.Unix(*c.Exp, 0).Sub(s.now())
	}
	s.mu.Lock()
	s.repoLeft = append(s.repoLeft, left)
	s.mu.Unlock()
}

// RepoTokensLeft returns, for each repository request a token was accepted
// for, in order, how long that token had left by the server's clock (-1
// for a token without exp): what a client kept its credential for.
func (s *Server) RepoTokensLeft() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.repoLeft...)
}

// GitRepoURL is the URL of the smart-HTTP git repository (one commit on main).
func (s *Server) GitRepoURL() string { return s.URL() + "/git/demo.git" }

// pythonRepos are the Python repositories the fake serves, all
// authenticated and with the same one wheel: "pypi", and "pypi-auth", the
// authenticated repository PPM's documentation and posit-keyring's README
// create (`rspm create repo --name=pypi-auth --type=python --authenticated`).
var pythonRepos = []string{"pypi", "pypi-auth"}

// IndexURL is the PEP 503 simple index, with a trailing slash.
func (s *Server) IndexURL() string { return s.URL() + "/pypi/latest/simple/" }

// AuthIndexURL is the simple index of the "pypi-auth" repository, with a
// trailing slash.
func (s *Server) AuthIndexURL() string { return s.URL() + "/pypi-auth/latest/simple/" }

// RestrictedURL is the index of a repository the fake's tokens have no
// access to: PPM answers 403 to a valid token there.
func (s *Server) RestrictedURL() string { return s.URL() + "/restricted/latest/simple/" }

// UploadURL is the twine upload endpoint.
func (s *Server) UploadURL() string { return s.URL() + "/upload/pypi/local-python-src" }

// Uploads returns the file names of accepted uploads, in order.
func (s *Server) Uploads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.uploads...)
}

// WheelName is the normalised project name the index serves ("ppm-demo").
func (s *Server) WheelName() string { return s.wheel.project }

// WheelFile is the file name of the wheel the index serves.
func (s *Server) WheelFile() string { return s.wheel.filename }

// WheelBytes returns a copy of the wheel the index serves.
func (s *Server) WheelBytes() []byte { return append([]byte(nil), s.wheel.data...) }
