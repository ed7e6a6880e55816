package fakeppm

// Real clients against the fake: git (smart HTTP through git http-backend),
// pip 23.2.1 (download and install of the wheel) and twine (upload). Tokens
// reach them through the environment, never argv.

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// gitEnv is an environment where git reads no configuration of this
// machine, never prompts, and takes extra configuration from kv pairs.
func gitEnv(home string, kv ...string) []string {
	env := append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "LC_ALL=C")
	env = append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(len(kv)/2))
	for i := 0; i+1 < len(kv); i += 2 {
		env = append(env, "GIT_CONFIG_KEY_"+strconv.Itoa(i/2)+"="+kv[i], "GIT_CONFIG_VALUE_"+strconv.Itoa(i/2)+"="+kv[i+1])
	}
	return env
}

func runTool(t *testing.T, env []string, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Dir = env, dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRealGitWithTheTokenInTheURL(t *testing.T) {
	t.Parallel()
	git := testtool.Need(t, "git")
	s := start(t, Options{})
	if err := s.GitError(); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	withToken, _ := url.Parse(s.GitRepoURL())
	withToken.User = url.UserPassword("__token__", ppmToken(t, s, "alice"))
	// insteadOf puts the token in the URL git uses while argv names the
	// plain URL.
	env := gitEnv(home, "url."+withToken.String()+".insteadOf", s.GitRepoURL())
	out, err := runTool(t, env, home, git, "ls-remote", s.GitRepoURL())
	if err != nil || !strings.Contains(out, "refs/heads/main") {
		t.Fatalf("git ls-remote with the token in the URL: %v\n%s", err, out)
	}
	out, err = runTool(t, env, home, git, "clone", "-q", s.GitRepoURL(), "clone")
	if err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	readme, err := os.ReadFile(filepath.Join(home, "clone", "README.md"))
	if err != nil || !strings.Contains(string(readme), "fake Package Manager") {
		t.Fatalf("the clone lacks README.md: %v %q", err, readme)
	}

	before := s.Counts().Unauthorized
	out, err = runTool(t, gitEnv(home), home, git, "ls-remote", s.GitRepoURL())
	if err == nil {
		t.Fatalf("git ls-remote without a token succeeded:\n%s", out)
	}
	if s.Counts().Unauthorized == before {
		t.Fatalf("git failed without a 401 from the fake:\n%s", out)
	}
}

// TestRealGitWithACredentialHelper walks git's own loop: 401 → helper get →
// retry; after RevokeAll: 401 with the token → helper erase.
func TestRealGitWithACredentialHelper(t *testing.T) {
	t.Parallel()
	git := testtool.Need(t, "git")
	s := start(t, Options{})
	home := t.TempDir()
	calls := filepath.Join(home, "calls")
	helper := `!f() { echo "$1" >> "$FAKEPPM_CALLS"; cat >/dev/null; ` +
		`if [ "$1" = get ]; then printf 'username=__token__\npassword=%s\n' "$FAKEPPM_TOKEN"; fi; }; f`
	env := append(gitEnv(home, "credential.helper", helper), "FAKEPPM_CALLS="+calls, "FAKEPPM_TOKEN="+ppmToken(t, s, "alice"))

	out, err := runTool(t, env, home, git, "ls-remote", s.GitRepoURL())
	if err != nil || !strings.Contains(out, "refs/heads/main") {
		t.Fatalf("git ls-remote through the helper: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(calls)
	if string(got) != "get\nstore\n" {
		t.Errorf("helper calls %q; want get, store", got)
	}

	s.RevokeAll()
	os.Remove(calls)
	out, err = runTool(t, env, home, git, "ls-remote", s.GitRepoURL())
	if err == nil {
		t.Fatalf("git ls-remote with a revoked token succeeded:\n%s", out)
	}
	got, _ = os.ReadFile(calls)
	if string(got) != "get\nerase\n" {
		t.Errorf("helper calls after RevokeAll %q; want get, erase\n%s", got, out)
	}
}

// python finds the real interpreter behind python3 (a pyenv shim costs
// half a second per call).
func python(t *testing.T) string {
	t.Helper()
	py := testtool.Need(t, "python3")
	out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("python3 does not run: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// pipEnv is an environment where pip reads no configuration of this
// machine (PIP_* variables dropped) and asks the fake only.
func pipEnv(home, indexURL string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "PIP_INDEX_URL="+indexURL, "PIP_CONFIG_FILE=/dev/null",
		"PIP_NO_CACHE_DIR=1", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_KEYRING_PROVIDER=disabled",
		"PYTHONDONTWRITEBYTECODE=1")
}

func TestRealPipDownloadsAndInstallsTheWheel(t *testing.T) {
	t.Parallel()
	py := python(t)
	s := start(t, Options{})
	dir := t.TempDir()
	index, _ := url.Parse(s.IndexURL())
	index.User = url.UserPassword("__token__", ppmToken(t, s, "alice"))
	env := pipEnv(dir, index.String())

	out, err := runTool(t, env, dir, py, "-m", "pip", "download", "--no-deps", "-d", filepath.Join(dir, "dl"), s.WheelName())
	if err != nil {
		t.Fatalf("pip download: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "dl", s.WheelFile()))
	if err != nil || !bytes.Equal(got, s.WheelBytes()) {
		t.Fatalf("pip did not download the wheel intact: %v\n%s", err, out)
	}

	// A venv without its own pip (creating one with pip takes seconds);
	// pip --python installs into it.
	venv := filepath.Join(dir, "venv")
	if out, err := runTool(t, env, dir, py, "-m", "venv", "--without-pip", venv); err != nil {
		t.Fatalf("python3 -m venv (Debian: python3-venv): %v\n%s", err, out)
	}
	vpy := filepath.Join(venv, "bin", "python")
	out, err = runTool(t, env, dir, py, "-m", "pip", "--python", vpy, "install", s.WheelName())
	if err != nil {
		t.Fatalf("pip install into the venv: %v\n%s", err, out)
	}
	out, err = runTool(t, env, dir, vpy, "-c", "import ppm_demo, importlib.metadata as m; print(ppm_demo.__version__, m.version('ppm-demo'))")
	if err != nil || strings.TrimSpace(out) != "1.0.0 1.0.0" {
		t.Fatalf("the installed package: %v %q", err, out)
	}
}

func TestRealPipWithoutATokenGets401(t *testing.T) {
	t.Parallel()
	py := python(t)
	s := start(t, Options{})
	dir := t.TempDir()
	out, err := runTool(t, pipEnv(dir, s.IndexURL()), dir, py, "-m", "pip", "download", "--no-deps", "-d", dir, s.WheelName())
	if err == nil {
		t.Fatalf("pip download without a token succeeded:\n%s", out)
	}
	if s.Counts().Unauthorized == 0 || !strings.Contains(out, "No matching distribution") {
		t.Fatalf("pip failed, but not on a 401 from the fake (Unauthorized=%d):\n%s", s.Counts().Unauthorized, out)
	}
}

func TestRealTwineUploads(t *testing.T) {
	t.Parallel()
	twine := testtool.Need(t, "twine")
	s := start(t, Options{})
	dir := t.TempDir()
	whl := filepath.Join(dir, s.WheelFile())
	if err := os.WriteFile(whl, s.WheelBytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	twineEnv := func(password string) []string {
		return append(os.Environ(), "HOME="+dir, "TWINE_USERNAME=__token__", "TWINE_PASSWORD="+password,
			"PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring")
	}
	args := []string{"upload", "--non-interactive", "--disable-progress-bar", "--repository-url", s.UploadURL(), whl}

	out, err := runTool(t, twineEnv(ppmToken(t, s, "alice")), dir, twine, args...)
	if err != nil {
		t.Fatalf("twine upload: %v\n%s", err, out)
	}
	if got := s.Uploads(); len(got) != 1 || got[0] != s.WheelFile() {
		t.Fatalf("Uploads = %v; want [%s]\n%s", got, s.WheelFile(), out)
	}

	out, err = runTool(t, twineEnv("not-a-token"), dir, twine, args...)
	if err == nil {
		t.Fatalf("twine upload with a bad token succeeded:\n%s", out)
	}
	if !strings.Contains(out, "401") || len(s.Uploads()) != 1 {
		t.Fatalf("twine failed, but not on a 401 (uploads %v):\n%s", s.Uploads(), out)
	}
}
