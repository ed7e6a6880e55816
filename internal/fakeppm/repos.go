package fakeppm

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// authed guards a repository handler with HTTP Basic __token__:<PPM token>,
// answering 401 with a Basic challenge otherwise, as PPM does.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(func(c *Counts) { c.Repo++ })
		user, tok, ok := r.BasicAuth()
		if ok && user == "__token__" {
			if _, err := s.checkPPMToken(tok); err == nil {
				next(w, r)
				return
			}
		}
		s.count(func(c *Counts) { c.Unauthorized++ })
		w.Header().Set("WWW-Authenticate", `Basic realm="Posit Package Manager"`)
		http.Error(w, "401 Unauthorized: a Package Manager token is required", http.StatusUnauthorized)
	}
}

// normalize is PEP 503's project name normalisation.
func normalize(name string) string {
	name = strings.ToLower(name)
	var b strings.Builder
	dash := false
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/pypi/latest/simple/")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if rest == "" {
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><body>\n<a href=\"%s/\">%s</a>\n</body></html>\n", s.wheel.project, s.wheel.project)
		return
	}
	if normalize(strings.TrimSuffix(rest, "/")) != s.wheel.project {
		http.NotFound(w, r)
		return
	}
	if !strings.HasSuffix(rest, "/") {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	}
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><body>\n<a href=\"../../files/%s#sha256=%s\">%s</a>\n</body></html>\n",
		s.wheel.filename, s.wheel.sha256, html.EscapeString(s.wheel.filename))
}

func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	if strings.TrimPrefix(r.URL.Path, "/pypi/latest/files/") != s.wheel.filename {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(s.wheel.data)
}

// handleUpload takes the multipart form twine sends (:action=file_upload,
// a "content" file part) and records the file name.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		http.Error(w, "400 the upload is not a multipart form", http.StatusBadRequest)
		return
	}
	if r.FormValue(":action") != "file_upload" {
		http.Error(w, "400 :action must be file_upload", http.StatusBadRequest)
		return
	}
	f, hdr, err := r.FormFile("content")
	if err != nil {
		http.Error(w, "400 no content part", http.StatusBadRequest)
		return
	}
	defer f.Close()
	n, _ := io.Copy(io.Discard, f)
	if n == 0 || r.FormValue("name") == "" || r.FormValue("version") == "" {
		http.Error(w, "400 empty file or missing name/version", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.counts.Upload++
	s.uploads = append(s.uploads, filepath.Base(hdr.Filename))
	s.mu.Unlock()
	fmt.Fprintln(w, "OK")
}

// initGit creates a bare repository with one commit for git http-backend.
func (s *Server) initGit() error {
	git, err := exec.LookPath("git")
	if err != nil {
		return fmt.Errorf("git is not installed: %w", err)
	}
	s.gitRoot = filepath.Join(s.tmp, "git")
	work := filepath.Join(s.tmp, "work")
	env := append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=fakeppm", "GIT_AUTHOR_EMAIL=fakeppm@example.invalid",
		"GIT_COMMITTER_NAME=fakeppm", "GIT_COMMITTER_EMAIL=fakeppm@example.invalid")
	run := func(dir string, args ...string) error {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "README.md"), []byte("# demo\nServed by the fake Package Manager.\n"), 0o600); err != nil {
		return err
	}
	for _, step := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "README.md"},
		{"commit", "-q", "-m", "demo"},
		{"clone", "-q", "--bare", work, filepath.Join(s.gitRoot, "demo.git")},
	} {
		if err := run(work, step...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) handleGit(w http.ResponseWriter, r *http.Request) {
	git, _ := exec.LookPath("git")
	h := &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + s.gitRoot, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=__token__"},
	}
	h.ServeHTTP(w, r)
}
