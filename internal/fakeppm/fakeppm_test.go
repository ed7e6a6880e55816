package fakeppm

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run must install it", name)
	}
	t.Skipf("SKIPPING: %s is not installed on this machine (CI installs it)", name)
	return ""
}

func post(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s answered non-JSON: %v", u, err)
	}
	return resp.StatusCode, body
}

const verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789"

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

func startDevice(t *testing.T, s *Server) (deviceCode, userCode string) {
	t.Helper()
	code, body := post(t, s.URL()+"/__api__/device", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {challenge(verifier)}})
	if code != 200 {
		t.Fatalf("device: %d %v", code, body)
	}
	return body["device_code"].(string), body["user_code"].(string)
}

func poll(t *testing.T, s *Server, dc, v string) (int, map[string]any) {
	return post(t, s.URL()+"/__api__/device_access", url.Values{"device_code": {dc}, "code_verifier": {v}})
}

func TestDeviceFlowStates(t *testing.T) {
	s := New(Options{Interval: time.Second, DeviceExpiresIn: 3 * time.Second})
	defer s.Close()

	if code, body := post(t, s.URL()+"/__api__/device", url.Values{"code_challenge_method": {"plain"}, "code_challenge": {verifier}}); code != 400 || body["error"] != "invalid_request" {
		t.Errorf("plain PKCE accepted: %d %v", code, body)
	}
	dc, uc := startDevice(t, s)
	if code, body := poll(t, s, dc, "wrong-verifier"); code != 400 || body["error"] != "invalid_grant" {
		t.Errorf("bad verifier: %d %v", code, body)
	}
	if _, body := poll(t, s, dc, verifier); body["error"] != "authorization_pending" {
		t.Errorf("first poll: %v", body)
	}
	if _, body := poll(t, s, dc, verifier); body["error"] != "slow_down" {
		t.Errorf("immediate second poll: %v; want slow_down", body)
	}
	if c := s.Counts(); c.SlowDown != 1 {
		t.Errorf("SlowDown = %d", c.SlowDown)
	}
	if err := s.Approve(uc); err != nil {
		t.Fatal(err)
	}
	// After slow_down the interval is 1+5 s: polling after 1.2 s is still too fast.
	time.Sleep(1200 * time.Millisecond)
	if _, body := poll(t, s, dc, verifier); body["error"] != "slow_down" {
		t.Errorf("poll within the grown interval: %v; want slow_down", body)
	}

	// A fresh code: approve, then the answer is an id_token only, once.
	dc2, uc2 := startDevice(t, s)
	if err := s.Approve(uc2); err != nil {
		t.Fatal(err)
	}
	code, body := poll(t, s, dc2, verifier)
	if code != 200 || body["id_token"] == nil || body["access_token"] != nil {
		t.Errorf("approved: %d %v; want an id_token and no access_token", code, body)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, body := poll(t, s, dc2, verifier); body["error"] != "invalid_grant" {
		t.Errorf("reused device code: %v", body)
	}

	dc3, uc3 := startDevice(t, s)
	if err := s.Deny(uc3); err != nil {
		t.Fatal(err)
	}
	if _, body := poll(t, s, dc3, verifier); body["error"] != "access_denied" {
		t.Errorf("denied: %v", body)
	}

	dc4, _ := startDevice(t, s)
	time.Sleep(3100 * time.Millisecond)
	if _, body := poll(t, s, dc4, verifier); body["error"] != "expired_token" {
		t.Errorf("expired: %v", body)
	}
}

func TestExchangeAndRepositoryAuth(t *testing.T) {
	s := New(Options{TokenLifetime: 2 * time.Second})
	defer s.Close()
	exchange := func(subject string) (int, map[string]any) {
		return post(t, s.URL()+"/__api__/token", url.Values{
			"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
			"subject_token":      {subject},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
		})
	}
	if code, body := exchange("not-a-jwt"); code != 400 || body["error"] != "invalid_grant" {
		t.Errorf("garbage identity token: %d %v", code, body)
	}
	code, body := exchange(s.IssueIdentityToken("alice"))
	if code != 200 || body["token_type"] != "Bearer" {
		t.Fatalf("exchange: %d %v", code, body)
	}
	tok := body["access_token"].(string)
	get := func(user, pass string) int {
		req, _ := http.NewRequest("GET", s.IndexURL(), nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("401 without a Basic challenge")
		}
		return resp.StatusCode
	}
	if c := get("__token__", tok); c != 200 {
		t.Errorf("valid token: %d", c)
	}
	for name, c := range map[string]int{"no auth": get("", ""), "wrong user": get("alice", tok), "garbage": get("__token__", "x.y.z"), "identity token": get("__token__", s.IssueIdentityToken("a"))} {
		if c != 401 {
			t.Errorf("%s: %d; want 401", name, c)
		}
	}
	time.Sleep(2100 * time.Millisecond)
	if c := get("__token__", tok); c != 401 || s.ValidToken(tok) {
		t.Errorf("expired token: %d", c)
	}
	_, body = exchange(s.IssueIdentityToken("bob"))
	tok2 := body["access_token"].(string)
	s.RevokeAll()
	if s.ValidToken(tok2) {
		t.Errorf("revoked token still valid")
	}
	_, body = exchange(s.IssueIdentityToken("carol"))
	if !s.ValidToken(body["access_token"].(string)) {
		t.Errorf("a token issued after RevokeAll is rejected")
	}
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	_, body := post(t, s.URL()+"/__api__/token", url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {s.IssueIdentityToken("tester")},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
	})
	return body["access_token"].(string)
}

func withToken(raw, tok string) string {
	u, _ := url.Parse(raw)
	u.User = url.UserPassword("__token__", tok)
	return u.String()
}

func TestRealGitAgainstTheFake(t *testing.T) {
	git := needTool(t, "git")
	s := New(Options{})
	defer s.Close()
	env := append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	cmd := exec.Command(git, "ls-remote", withToken(s.GitRepoURL(), token(t, s)))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "refs/heads/main") {
		t.Fatalf("git ls-remote with a token: %v: %s", err, out)
	}
	cmd = exec.Command(git, "ls-remote", s.GitRepoURL())
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("git ls-remote without a token succeeded: %s", out)
	}
}

func TestRealPipDownloadsAndInstallsTheWheel(t *testing.T) {
	py := needTool(t, "python3")
	s := New(Options{})
	defer s.Close()
	dir := t.TempDir()
	cmd := exec.Command(py, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "-d", dir, "--index-url", withToken(s.IndexURL(), token(t, s)), s.WheelName())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip download: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, s.WheelFile())); err != nil {
		t.Fatalf("the wheel was not downloaded: %v", err)
	}
	venv := filepath.Join(dir, "venv")
	if out, err := exec.Command(py, "-m", "venv", venv).CombinedOutput(); err != nil {
		t.Fatalf("python3 -m venv (package python3-venv): %v: %s", err, out)
	}
	vpy := filepath.Join(venv, "bin", "python")
	cmd = exec.Command(vpy, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", "--index-url", withToken(s.IndexURL(), token(t, s)), s.WheelName())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v: %s", err, out)
	}
	out, err := exec.Command(vpy, "-c", "import ppm_demo; print(ppm_demo.__version__)").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1.0.0" {
		t.Fatalf("the installed package does not import: %v: %s", err, out)
	}
}

func TestRealTwineUploads(t *testing.T) {
	twine := needTool(t, "twine")
	s := New(Options{})
	defer s.Close()
	dir := t.TempDir()
	whl := filepath.Join(dir, s.WheelFile())
	if err := os.WriteFile(whl, s.WheelBytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", s.UploadURL(), "-u", "__token__", "-p", token(t, s), whl)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("twine upload: %v: %s", err, out)
	}
	if got := s.Uploads(); len(got) != 1 || got[0] != s.WheelFile() {
		t.Fatalf("uploads = %v", got)
	}
	cmd = exec.Command(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", s.UploadURL(), "-u", "__token__", "-p", "bad", whl)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("twine upload with a bad token succeeded: %s", out)
	}
}
