package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testtool"
)

// The CI recipes of the README, run against the fake with the real binary
// and the real git: each sets only what its CI system would set.

// gitFill runs `git credential fill` for the fake's repository with the
// helper configured, and returns the token git got.
func (w *world) gitFill() (string, result) {
	w.t.Helper()
	w.configureGit()
	r := w.runCmd(exec.Command(testtool.Need(w.t, "git"), "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	return attr(r.stdout, "password"), r
}

// GitHub Actions with `permissions: id-token: write`: no token file, no
// curl step; the helper fetches the job's token itself.
func TestCIGitHubActionsWithoutATokenFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("GITHUB_ACTIONS", "true")
	w.set("ACTIONS_ID_TOKEN_REQUEST_URL", w.ppm.GitHubRequestURL())
	w.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", w.ppm.GitHubRequestToken())
	w.set("PACKAGEMANAGER_IDENTITY_AUDIENCE", "packagemanager")
	if st := w.run("", "status"); !strings.Contains(st.stdout, "next login: GitHub Actions OIDC token request for audience packagemanager") {
		t.Errorf("status does not say where the next login gets its identity: %q", st.stdout)
	}
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill in GitHub Actions: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if ls := w.git("ls-remote", w.ppm.GitRepoURL()); ls.code != 0 {
		t.Fatalf("git ls-remote: %s", ls.stderr)
	}
	if got := w.ppm.GitHubAudiences(); len(got) != 1 || got[0] != "packagemanager" {
		t.Errorf("audiences asked of GitHub: %q; want one request for packagemanager", got)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 || c.Device != 0 {
		t.Errorf("counts %+v; want one exchange, no device flow", c)
	}
	// Every new exchange fetches a new OIDC token (they live minutes).
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	if n := len(w.ppm.GitHubTokens()); n != 2 {
		t.Errorf("GitHub tokens fetched: %d; want one per exchange (2)", n)
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "identity: the next login uses the GitHub Actions OIDC token request for audience packagemanager (issuer fakeppm-idp, audience packagemanager, subject "+fakeppm.GitHubSubject) {
		t.Errorf("doctor does not name the identity source: %q", d.stdout)
	}
	w.assertNoSecretsLeaked(append(w.ppm.GitHubTokens(), tok, w.ppm.GitHubRequestToken())...)
}

// Without PACKAGEMANAGER_IDENTITY_AUDIENCE GitHub's default audience is
// asked for, which this Package Manager does not accept: one line.
func TestCIGitHubActionsDefaultAudienceRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("ACTIONS_ID_TOKEN_REQUEST_URL", w.ppm.GitHubRequestURL())
	w.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", w.ppm.GitHubRequestToken())
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "refused the identity token") {
		t.Fatalf("default audience: code %d stdout %q stderr %q; want one line saying the identity token was refused", r.code, r.stdout, r.stderr)
	}
	if got := w.ppm.GitHubAudiences(); len(got) != 1 || got[0] != "" {
		t.Errorf("audiences asked: %q; want one request without an audience", got)
	}
	w.assertNoSecretsLeaked(append(w.ppm.GitHubTokens(), w.ppm.GitHubRequestToken())...)
}

// A GitHub Actions job without `permissions: id-token: write` has no
// request variables: one line saying what to add, no device flow.
func TestCIGitHubActionsWithoutPermission(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("GITHUB_ACTIONS", "true")
	w.set("GIT_TERMINAL_PROMPT", "")
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "add `permissions: id-token: write` to the job") {
		t.Fatalf("code %d stdout %q stderr %q; want one line naming id-token: write", r.code, r.stdout, r.stderr)
	}
	// A static token still works there.
	w.set("PACKAGEMANAGER_TOKEN", "static-token-value-123")
	if r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get"); attr(r.stdout, "password") != "static-token-value-123" {
		t.Errorf("PACKAGEMANAGER_TOKEN was not served in a job without id-token permission: %s", r.stderr)
	}
	if c := w.ppm.Counts(); c.Device != 0 || c.Exchange != 0 || c.GitHubToken != 0 {
		t.Errorf("counts %+v; want no requests", c)
	}
	w.set("PACKAGEMANAGER_TOKEN", "")
	if d := w.run("", "doctor"); d.code == 0 || !strings.Contains(d.stdout, "add `permissions: id-token: write` to the job") {
		t.Errorf("doctor passes a job that cannot log in: %d %q", d.code, d.stdout)
	}
}

// GitLab CI: `id_tokens: PACKAGEMANAGER_IDENTITY_TOKEN: {aud: …}` puts the
// token in the variable.
func TestCIGitLabIdentityVariable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	id := w.ppm.IssueIdentityToken("project_path:group/project:ref_type:branch:ref:main")
	w.set("GITLAB_CI", "true")
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN", id)
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill with the GitLab variable: %d %s", r.code, r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, "next login: identity token in PACKAGEMANAGER_IDENTITY_TOKEN") || !strings.Contains(st.stdout, "project_path:group/project") {
		t.Errorf("status: %q", st.stdout)
	}
	// doctor shows the identity token's claims, what an administrator
	// compares with Package Manager's IdentityFederation.
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "✓ identity: the next login uses the identity token in PACKAGEMANAGER_IDENTITY_TOKEN (issuer fakeppm-idp, audience packagemanager, subject project_path:group/project:ref_type:branch:ref:main, ") {
		t.Errorf("doctor: %q", d.stdout)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN", w.ppm.IssueIdentityTokenFor("stale-job", 0))
	if d := w.run("", "doctor"); d.code == 0 || !strings.Contains(d.stdout, "✗ identity: the token from the identity token in PACKAGEMANAGER_IDENTITY_TOKEN expired") {
		t.Errorf("doctor with an expired identity token: %d %q", d.code, d.stdout)
	}
	w.assertNoSecretsLeaked(id, tok)
}

// Kubernetes: a projected service-account token, a symlink the kubelet
// re-points when it rotates the token. Each exchange reads the current one.
func TestCIKubernetesProjectedTokenFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING on Windows: projected tokens are a Linux (Kubernetes) layout of relative symlinks")
	}
	w := newWorld(t, fakeppm.Options{})
	dir := filepath.Join(w.home, "var", "run", "secrets", "ppm")
	project := func(gen, subject string) string {
		data := filepath.Join(dir, "..gen"+gen)
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		id := w.ppm.IssueIdentityToken(subject)
		if err := os.WriteFile(filepath.Join(data, "token"), []byte(id), 0o600); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink("..gen"+gen, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := project("1", "system:serviceaccount:ci:builder-1")
	if err := os.Symlink(filepath.Join("..data", "token"), filepath.Join(dir, "token")); err != nil {
		t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", filepath.Join(dir, "token"))
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill with the projected token: %d %s", r.code, r.stderr)
	}
	second := project("2", "system:serviceaccount:ci:builder-2")
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login after rotation: %s", r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, "builder-2") {
		t.Errorf("the rotated token was not read for the next exchange: %q", st.stdout)
	}
	w.assertNoSecretsLeaked(first, second, tok)
}

// An identity-token file that is a named pipe used to hang the login while
// holding the lock: one line now, and at once.
func TestCIIdentityFileThatIsAPipe(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING on Windows: named pipes there are not files in a directory")
	}
	mkfifo := testtool.Need(t, "mkfifo")
	w := newWorld(t, fakeppm.Options{})
	fifo := filepath.Join(w.home, "oidc-fifo")
	if out, err := exec.Command(mkfifo, fifo).CombinedOutput(); err != nil {
		t.Fatalf("mkfifo: %v %s", err, out)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", fifo)
	for _, args := range [][]string{{"get"}, {"login"}} {
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), args...)
		if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "is a named pipe, not a regular file") {
			t.Errorf("%v with a FIFO: code %d stderr %q; want one line", args, r.code, r.stderr)
		}
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "named pipe") {
		t.Errorf("doctor does not flag the FIFO: %q", d.stdout)
	}
}

// Azure Pipelines: the README's step that asks System.OidcRequestUri for
// the job's token and writes it to PACKAGEMANAGER_IDENTITY_TOKEN_FILE, run
// word for word (with Azure's macro filled in) against a stand-in, then git.
func TestCIAzurePipelinesRecipe(t *testing.T) {
	t.Parallel()
	step := readmeAzureTokenStep(t)
	w := newWorld(t, fakeppm.Options{IdentityAudience: fakeppm.AzureAudience})
	file := filepath.Join(w.home, "agent-tmp", "ppm-oidc")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", file)
	testtool.Need(t, "curl")
	testtool.Need(t, "python3")
	script := strings.ReplaceAll(step, "$(System.OidcRequestUri)", w.ppm.AzureOidcRequestURI())
	sh := exec.Command(testtool.Need(t, "sh"), "-ec", script)
	sh.Env = []string{"SYSTEM_ACCESSTOKEN=" + w.ppm.AzureAccessToken()}
	if r := w.runCmd(sh, ""); r.code != 0 {
		t.Fatalf("the README's Azure token step failed (%d): %s", r.code, r.stderr)
	}
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill after the Azure step: %d %s", r.code, r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, fakeppm.AzureSubject) {
		t.Errorf("status does not show the Azure subject: %q", st.stdout)
	}
	w.assertNoSecretsLeaked(tok)
}

// readmeAzureTokenStep is the body of the README's Azure Pipelines step
// that fetches the OIDC token.
func readmeAzureTokenStep(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, azure, ok := strings.Cut(string(b), "**Azure Pipelines**")
	if !ok {
		t.Fatal("the README has no Azure Pipelines recipe")
	}
	lines := strings.Split(azure, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "- script: |" || i+1 >= len(lines) || !strings.Contains(lines[i+1], "System.OidcRequestUri") && !strings.Contains(lines[i+1], "curl -fsS -X POST") {
			continue
		}
		indent := len(lines[i+1]) - len(strings.TrimLeft(lines[i+1], " "))
		var body []string
		for _, b := range lines[i+1:] {
			if len(b)-len(strings.TrimLeft(b, " ")) < indent {
				break
			}
			body = append(body, b[indent:])
		}
		return strings.Join(body, "\n")
	}
	t.Fatal("the README's Azure recipe has no step asking System.OidcRequestUri for the token")
	return ""
}
